export * from './api.js'
export * from './collab.js'
export * from './comments.js'
export * from './errors.js'
