// Runs every package's tests through turbo, then prints the totals on a line of their own
// ("N passed, N failed"), read from the JSON report each package's vitest writes.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const REPORT = '.vitest-report.json'
// Tests that measure time and memory (the abuse suite) run after all others, one package at a time, with
// the machine to themselves: two cores shared with browser tests would measure the tests, not the server.
const ALONE_REPORT = '.vitest-alone-report.json'
const packages = ['apps', 'packages'].flatMap((group) =>
  readdirSync(path.join(root, group), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, group, d.name)),
)
const tested = packages.filter((dir) => {
  const manifest = path.join(dir, 'package.json')
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test
})
for (const dir of tested) {
  rmSync(path.join(dir, REPORT), { force: true })
  rmSync(path.join(dir, ALONE_REPORT), { force: true })
}
const alone = tested.filter((dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts?.['test:alone'])

// --continue: one package's failure must not stop the others, or the totals would miss their tests.
const turbo = spawnSync('turbo', ['run', 'test', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
})

const aloneRuns = alone.map((dir) =>
  spawnSync(path.join(root, 'node_modules', '.bin', 'pnpm'), ['run', 'test:alone'], { cwd: dir, stdio: 'inherit', env: process.env }),
)

let passed = 0
let failed = 0
const problems = []
const reports = [...tested.map((dir) => [dir, REPORT]), ...alone.map((dir) => [dir, ALONE_REPORT])]
for (const [dir, reportFile] of reports) {
  const file = path.join(dir, reportFile)
  const name = `${path.relative(root, dir)}${reportFile === ALONE_REPORT ? ' (alone)' : ''}`
  if (!existsSync(file)) {
    problems.push(`${name}: no test report (its tests did not run to the end)`)
    continue
  }
  const report = JSON.parse(readFileSync(file, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  if (report.numTotalTests === 0) problems.push(`${name}: ran no test`)
  if (report.numPendingTests || report.numTodoTests) problems.push(`${name}: skipped or todo tests`)
}
for (const p of problems) console.error(p)
console.log(`\n${passed} passed, ${failed} failed`)
const aloneFailed = aloneRuns.some((run) => run.status !== 0)
process.exit(turbo.status !== 0 || aloneFailed || failed > 0 || problems.length > 0 ? 1 : 0)
