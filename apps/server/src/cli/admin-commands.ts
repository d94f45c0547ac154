import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { type Role, roles, withoutBidiControls } from '@hoshin/protocol'
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/passwords.js'
import type { Services } from '../context.js'

export const usage = `使い方 / usage: npm run admin -- <command> [options]

  create-user    --username <id> --name <氏名> --role <${roles.join('|')}> [--department <課id>] [--section <係id>]
                 [--password-stdin | --password <pw>]   (admin / planning は課なし、staff / lead / head は --department が必要)
  reset-password --username <id> [--password <pw>]     (省略時は新しいパスワードを生成して表示)
  move-user      --username <id> --department <課id> [--section <係id>] [--role <role>]   (人事異動)
  disable-user   --username <id>                       (退職など: ログインできなくし、接続中の画面も閉じます)
  enable-user    --username <id>
  list-users
  list-departments

--password-stdin はパスワードを標準入力の 1 行目から読みます（シェルの履歴に残りません）:
  echo '<password>' | npm run admin -- create-user --username admin --name 管理者 --role admin --password-stdin
パスワードは ${MIN_PASSWORD_LENGTH} 文字以上。reset-password・move-user・disable-user はその人のログイン中のセッションを終了します
（動いているサーバーは 1 秒以内にその人の接続を閉じます）。`

export class CliError extends Error {}

const usernamePattern = /^[a-z0-9][a-z0-9._-]{1,63}$/i

function generatePassword(): string {
  // 16 characters from an unambiguous alphabet (no 0/O, 1/l/I) for reading aloud over the phone.
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('')
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new CliError(`パスワードは ${MIN_PASSWORD_LENGTH} 文字以上にしてください。`)
}

function checkRole(role: string | undefined): Role {
  if (!role || !(roles as readonly string[]).includes(role)) throw new CliError(`--role は ${roles.join(' / ')} のいずれかです。`)
  return role as Role
}

/** Admin and planning (企画) accounts work town-wide and need no department; the others do. */
async function checkPlace(services: Services, role: Role, departmentId: string | undefined, sectionId: string | undefined) {
  if (!departmentId) {
    if (role === 'admin' || role === 'planning') {
      if (sectionId) throw new CliError('--section は --department と一緒に指定してください。')
      return { departmentId: null, sectionId: null }
    }
    throw new CliError('係員・係長・課長には --department が必要です（list-departments で確認できます）。')
  }
  const department = await services.stores.org.getDepartment(departmentId)
  if (!department) throw new CliError(`課 "${departmentId}" はありません（list-departments で確認できます）。`)
  if (sectionId && !department.sections.some((s) => s.id === sectionId)) {
    throw new CliError(`係 "${sectionId}" は ${department.name} にありません。`)
  }
  return { departmentId, sectionId: sectionId ?? null }
}

/** Runs one admin command against the database; returns the lines to print. Throws CliError on bad input. */
export async function runAdminCommand(services: Services, argv: string[], readStdin: () => Promise<string> = async () => ''): Promise<string[]> {
  const [command, ...rest] = argv
  const { values } = parseArgs({
    args: rest,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      department: { type: 'string' },
      section: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
    strict: true,
  })
  const { stores, lucia } = services
  const findUser = async () => {
    if (!values.username) throw new CliError('--username が必要です。')
    const user = await stores.users.findByUsername(values.username)
    if (!user) throw new CliError(`利用者 "${values.username}" はいません。`)
    return user
  }

  if (values['password-stdin']) {
    if (values.password !== undefined) throw new CliError('--password と --password-stdin は同時に使えません。')
    const [line = ''] = (await readStdin()).split(/\r?\n/)
    if (!line) throw new CliError('標準入力からパスワードを読めませんでした。')
    values.password = line
  }
  const passwordGiven = values.password !== undefined

  switch (command) {
    case 'create-user': {
      const username = values.username ?? ''
      if (!usernamePattern.test(username)) throw new CliError('--username は英数字と . _ - で 2〜64 文字です。')
      if (await stores.users.findByUsername(username)) throw new CliError(`利用者 "${username}" は既にいます。`)
      const name = withoutBidiControls(values.name ?? '').trim()
      if (!name) throw new CliError('--name（氏名）が必要です。')
      const role = checkRole(values.role)
      const place = await checkPlace(services, role, values.department, values.section)
      const password = values.password ?? generatePassword()
      checkPassword(password)
      const user = await stores.users.create({
        username,
        displayName: name,
        role,
        ...place,
        passwordHash: await hashPassword(password),
      })
      await stores.audit.append({ username: 'cli', action: 'user.create', target: user.id, detail: username })
      return [`作成しました: ${username} (${user.id})`, ...(passwordGiven ? [] : [`初期パスワード: ${password}`])]
    }
    case 'reset-password': {
      const user = await findUser()
      const password = values.password ?? generatePassword()
      checkPassword(password)
      await stores.users.setPasswordHash(user.id, await hashPassword(password))
      await lucia.invalidateUserSessions(user.id)
      await stores.loginFailures.clear(user.username)
      await stores.audit.append({ username: 'cli', action: 'user.reset-password', target: user.id })
      return [`パスワードを再設定しました: ${user.username}`, ...(passwordGiven ? [] : [`新しいパスワード: ${password}`])]
    }
    case 'move-user': {
      const user = await findUser()
      const role = values.role === undefined ? user.role : checkRole(values.role)
      const place = await checkPlace(services, role, values.department, values.section)
      await stores.users.move(user.id, place.departmentId, place.sectionId)
      if (role !== user.role) await stores.users.setRole(user.id, role)
      await lucia.invalidateUserSessions(user.id)
      await stores.audit.append({
        username: 'cli',
        action: 'user.move',
        target: user.id,
        detail: `${user.departmentId ?? '-'}/${user.sectionId ?? '-'} → ${place.departmentId ?? '-'}/${place.sectionId ?? '-'} (${role})`,
      })
      return [`異動しました: ${user.username} → ${place.departmentId ?? '（所属なし）'}${place.sectionId ? ` / ${place.sectionId}` : ''} (${role})`]
    }
    case 'disable-user':
    case 'enable-user': {
      const user = await findUser()
      const disable = command === 'disable-user'
      await stores.users.setDisabled(user.id, disable)
      if (disable) await lucia.invalidateUserSessions(user.id)
      await stores.audit.append({ username: 'cli', action: disable ? 'user.disable' : 'user.enable', target: user.id })
      return [`${disable ? '無効にしました' : '有効にしました'}: ${user.username}`]
    }
    case 'list-users': {
      const users = await stores.users.list()
      return users.map((u) => `${u.username}\t${u.displayName}\t${u.role}\t${u.departmentId ?? '-'}\t${u.sectionId ?? '-'}${u.disabledAt ? '\t(無効)' : ''}`)
    }
    case 'list-departments': {
      const departments = await stores.org.listDepartments()
      return departments.map((d) => `${d.id}\t${d.name}\t${d.sections.map((s) => `${s.id}(${s.name})`).join(' ')}`)
    }
    default:
      throw new CliError(command ? `不明なコマンドです: ${command}\n\n${usage}` : usage)
  }
}
