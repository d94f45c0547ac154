export * from './budget.js'
export * from './fiscal-year.js'
export * from './schema.js'
export * from './ydoc.js'
