// pnpm 12 ignores `nodedir` from ~/.npmrc, so node-gyp would fetch Node headers from the internet
// (unreachable on LGWAN-like build machines). Point it at the headers installed with Node itself.
const path = require('node:path')
const fs = require('node:fs')

function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir
  // process.execPath = <prefix>/bin/node; headers live in <prefix>/include/node
  const prefix = path.resolve(path.dirname(process.execPath), '..')
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined
}

module.exports = {
  hooks: {
    updateConfig(config) {
      const dir = nodeDir()
      if (!dir) return config
      return { ...config, extraEnv: { ...(config.extraEnv ?? {}), npm_config_nodedir: dir } }
    },
  },
}
