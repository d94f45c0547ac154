import { commentBodySchema, type MentionableResponse, newThreadSchema, type ThreadListResponse, type ThreadView, type UnreadResponse } from '@hoshin/protocol'
import { Hono } from 'hono'
import { requireActor } from '../auth/middleware.js'
import type { AppEnv, Services } from '../context.js'
import { readJson } from '../http/json.js'

/** `/api/sheets/:id/comments…`: threads, replies, edits, resolve/reopen, read marks. Each call checks access. */
export function commentRoutes({ comments, notificationStore, events }: Services) {
  return new Hono<AppEnv>()
    .get('/:id/comments', async (c) => {
      const threads = await comments.list(requireActor(c), c.req.param('id'))
      return c.json<ThreadListResponse>({ threads })
    })
    // The @-autocomplete: who may be mentioned here (the sheet's readers), for someone who may read it.
    .get('/:id/mentionable', async (c) => {
      const candidates = await comments.mentionable(requireActor(c), c.req.param('id'))
      return c.json<MentionableResponse>({ candidates })
    })
    .get('/:id/comments/:threadId', async (c) =>
      c.json<ThreadView>(await comments.one(requireActor(c), c.req.param('id'), c.req.param('threadId'))),
    )
    .post('/:id/comments', async (c) => {
      const actor = requireActor(c)
      const { target, body } = await readJson(c, newThreadSchema)
      return c.json<ThreadView>(await comments.create(actor, c.req.param('id'), target, body), 201)
    })
    .post('/:id/comments/:threadId/replies', async (c) => {
      const actor = requireActor(c)
      const { body } = await readJson(c, commentBodySchema)
      return c.json<ThreadView>(await comments.reply(actor, c.req.param('id'), c.req.param('threadId'), body), 201)
    })
    .post('/:id/comments/:threadId/resolve', async (c) =>
      c.json<ThreadView>(await comments.setState(requireActor(c), c.req.param('id'), c.req.param('threadId'), 'resolved')),
    )
    .post('/:id/comments/:threadId/reopen', async (c) =>
      c.json<ThreadView>(await comments.setState(requireActor(c), c.req.param('id'), c.req.param('threadId'), 'open')),
    )
    .post('/:id/comments/:threadId/read', async (c) => {
      const actor = requireActor(c)
      await comments.markRead(actor, c.req.param('id'), c.req.param('threadId'))
      // The bell and the list's @ badge follow: the mention that led here has been read.
      if (await notificationStore.markThreadMentionsRead(actor.id, c.req.param('id'), c.req.param('threadId'))) {
        events.publish([actor.id], { kind: 'notifications', unread: await notificationStore.unread(actor.id) })
      }
      return c.body(null, 204)
    })
    .patch('/:id/comments/:threadId/comments/:commentId', async (c) => {
      const actor = requireActor(c)
      const { body } = await readJson(c, commentBodySchema)
      return c.json<ThreadView>(await comments.edit(actor, c.req.param('id'), c.req.param('threadId'), c.req.param('commentId'), body))
    })
    .delete('/:id/comments/:threadId/comments/:commentId', async (c) =>
      c.json<ThreadView>(await comments.remove(requireActor(c), c.req.param('id'), c.req.param('threadId'), c.req.param('commentId'))),
    )
}

/** `GET /api/me/unread`: the badge, across sheets. */
export function unreadRoutes({ comments }: Services) {
  return new Hono<AppEnv>().get('/', async (c) => c.json<UnreadResponse>(await comments.unread(requireActor(c))))
}
