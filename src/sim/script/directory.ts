// /sim/extensions, /sim/ring_groups, /sim/queues, /sim/trunks: change the PBX's directory under a client.
import { SimError } from '../call-types.ts';
import { makeUser } from '../model-build.ts';
import { PROFILE_NAMES } from '../model.ts';
import { directoryChanged } from '../parties.ts';
import { Random } from '../random.ts';
import { json } from '../reply.ts';
import type { Route } from '../router.ts';
import { field, isBoolean, isString, type ScriptCall } from './context.ts';

export const DIRECTORY_ROUTES: Route<ScriptCall>[] = [
  {
    pattern: /^\/sim\/extensions$/,
    methods: {
      POST: ({ context: { model }, body }) => {
        const number = field(body, 'number', isString, true)!;
        if (!/^\d{2,6}$/.test(number) || model.users.some((u) => u.Number === number))
          throw new SimError(409, `cannot add extension ${number}`);
        const user = makeUser(
          model.nextId,
          number,
          field(body, 'first_name', isString) ?? 'New',
          field(body, 'last_name', isString) ?? 'User',
          new Random(Number(number)),
        );
        user.IsRegistered = field(body, 'registered', isBoolean) ?? true;
        model.users.push(user);
        directoryChanged(model);
        return json(201, { number, id: user.Id });
      },
    },
  },
  {
    pattern: /^\/sim\/extensions\/([^/]+)$/,
    methods: {
      DELETE: ({ context: { model } }, match) => {
        const index = model.users.findIndex((u) => u.Number === match[1]);
        if (index < 0) throw new SimError(404, `no extension ${match[1]}`);
        const user = model.users[index]!;
        model.users.splice(index, 1);
        directoryChanged(model);
        for (const group of [...model.ringGroups, ...model.queues]) {
          const list = 'Members' in group ? group.Members : group.Agents;
          list.splice(0, list.length, ...list.filter((m) => m.Number !== user.Number));
        }
        return { status: 204 };
      },
      PATCH: ({ context: { model }, body }, match) => {
        const user = model.users.find((u) => u.Number === match[1]);
        if (!user) throw new SimError(404, `no extension ${match[1]}`);
        const presence = field(body, 'presence', isString);
        if (presence !== undefined) {
          if (!PROFILE_NAMES.includes(presence as (typeof PROFILE_NAMES)[number]))
            throw new SimError(400, `unknown profile ${presence}`);
          user.CurrentProfileName = presence;
        }
        user.IsRegistered = field(body, 'registered', isBoolean) ?? user.IsRegistered;
        const queueStatus = field(body, 'queue_status', isString);
        if (queueStatus === 'LoggedIn' || queueStatus === 'LoggedOut') user.QueueStatus = queueStatus;
        const name = field(body, 'first_name', isString);
        if (name) {
          user.FirstName = name;
          user.DisplayName = `${name} ${user.LastName}`;
        }
        return json(200, {
          number: user.Number,
          presence: user.CurrentProfileName,
          registered: user.IsRegistered,
          queue_status: user.QueueStatus,
        });
      },
    },
  },
  {
    pattern: /^\/sim\/(ring_groups|queues|trunks)\/([^/]+)$/,
    methods: {
      DELETE: ({ context: { model } }, match) => {
        const list: { Number: string }[] =
          match[1] === 'ring_groups' ? model.ringGroups : match[1] === 'queues' ? model.queues : model.trunks;
        const index = list.findIndex((e) => e.Number === match[2]);
        if (index < 0) throw new SimError(404, `no ${match[1]} ${match[2]}`);
        list.splice(index, 1);
        return { status: 204 };
      },
    },
  },
  {
    pattern: /^\/sim\/trunks\/([^/]+)$/,
    methods: {
      PATCH: ({ context: { model }, body }, match) => {
        const trunk = model.trunks.find((t) => t.Number === match[1]);
        if (!trunk) throw new SimError(404, `no trunk ${match[1]}`);
        trunk.IsOnline = field(body, 'online', isBoolean) ?? trunk.IsOnline;
        trunk.showsDidInActiveCalls = field(body, 'shows_did', isBoolean) ?? trunk.showsDidInActiveCalls;
        return json(200, { number: trunk.Number, online: trunk.IsOnline });
      },
    },
  },
];
