import { strict as assert } from 'node:assert';
import { pino } from 'pino';
import { KubeApiError } from '../../../operator/kube/api.js';
import {
  type Election,
  LEASE_DEFAULTS,
  type LeaseRecord,
  type LeaseStore,
  startElection,
} from '../../../operator/leader/lease.js';
import { ManualClock, settle } from '../../helpers/manual-clock.js';

const T0 = '2026-01-05T09:00:00Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000);
const RETRY_MS = LEASE_DEFAULTS.retryPeriodSeconds * 1000;

/**
 * A Lease as the API server keeps it: every write bumps the resourceVersion, and an update from a stale read is
 * refused with 409, as is a create when the lease exists.
 */
class FakeLeaseStore implements LeaseStore {
  record: LeaseRecord | undefined;
  /** Every successful write, as written. */
  readonly writes: LeaseRecord[] = [];
  /** Runs before each call; may throw to fail it, or call `put` to get another replica's write in first. */
  before?: (call: 'get' | 'create' | 'update') => void;
  /** Holds each write until the promise it returns resolves: a slow API server. */
  hold?: (call: 'create' | 'update') => Promise<void> | undefined;
  /** Runs after a write has landed; may throw to lose its answer on the way back. */
  after?: (call: 'create' | 'update') => void;
  private rv = 0;

  /** Another replica's write, straight to the store. */
  put(record: Omit<LeaseRecord, 'resourceVersion'>): void {
    this.record = { ...record, resourceVersion: String(++this.rv) };
  }

  async get(): Promise<LeaseRecord | undefined> {
    this.before?.('get');
    return this.record && { ...this.record };
  }

  async create(record: LeaseRecord): Promise<LeaseRecord> {
    this.before?.('create');
    await this.hold?.('create');
    if (this.record) throw new KubeApiError('create lease: HTTP 409: already exists', 409);
    return this.commit(record, 'create');
  }

  async update(record: LeaseRecord): Promise<LeaseRecord> {
    this.before?.('update');
    await this.hold?.('update');
    if (!this.record) throw new KubeApiError('update lease: HTTP 404: not found', 404);
    if (record.resourceVersion !== this.record.resourceVersion)
      throw new KubeApiError('update lease: HTTP 409: the object has been modified', 409);
    return this.commit(record, 'update');
  }

  writesBy(holder: string): LeaseRecord[] {
    return this.writes.filter((w) => w.holder === holder);
  }

  private commit(record: LeaseRecord, call: 'create' | 'update'): LeaseRecord {
    this.put(record);
    this.writes.push({ ...this.record! });
    this.after?.(call);
    return { ...this.record! };
  }
}

interface Candidate {
  readonly election: Election;
  started: number;
  stopped: number;
  /** Parsed pino lines at warn and above. */
  readonly logs: Array<{ msg: string; err?: { message?: string; type?: string } }>;
}

/** Campaigns as `identity` and lets its first attempt finish. */
async function campaign(identity: string, store: LeaseStore, clock: ManualClock): Promise<Candidate> {
  const logs: Candidate['logs'] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as never) });
  const candidate: { -readonly [K in keyof Candidate]: Candidate[K] } = {
    election: undefined as unknown as Election,
    started: 0,
    stopped: 0,
    logs,
  };
  candidate.election = startElection({
    store,
    identity,
    clock,
    log,
    onStartedLeading: () => candidate.started++,
    onStoppedLeading: () => candidate.stopped++,
  });
  await settle();
  return candidate;
}

/** Another replica holding the lease and renewing it at each of our retry periods. */
function renewingHolder(store: FakeLeaseStore, clock: ManualClock, holder = 'other') {
  return async (seconds: number) => {
    for (let s = 0; s < seconds; s += RETRY_MS / 1000) {
      await clock.advance(RETRY_MS);
      store.put({ ...store.record!, holder, renewTime: clock.now() });
    }
  };
}

describe('startElection (Lease leader election)', () => {
  let clock: ManualClock;
  let store: FakeLeaseStore;
  const running: Election[] = [];

  beforeEach(() => {
    clock = new ManualClock(T0);
    store = new FakeLeaseStore();
  });
  afterEach(async () => {
    for (const e of running.splice(0)) await e.release();
  });
  const start = async (identity: string) => {
    const c = await campaign(identity, store, clock);
    running.push(c.election);
    return c;
  };

  describe('acquiring', () => {
    it('creates the lease when there is none and leads at once', async () => {
      const a = await start('a');
      assert.equal(a.election.isLeader(), true);
      assert.equal(a.started, 1);
      assert.deepEqual(store.writes, [
        {
          holder: 'a',
          durationSeconds: LEASE_DEFAULTS.leaseDurationSeconds,
          acquireTime: at(0),
          renewTime: at(0),
          transitions: 0,
          resourceVersion: '1',
        },
      ]);
    });

    it('takes a released lease (no holder) at once, counting the transition', async () => {
      store.put({ holder: '', durationSeconds: 1, acquireTime: at(-60), renewTime: at(-60), transitions: 3 });
      const a = await start('a');
      assert.equal(a.election.isLeader(), true);
      assert.deepEqual(
        {
          holder: store.record!.holder,
          transitions: store.record!.transitions,
          acquireTime: store.record!.acquireTime,
        },
        { holder: 'a', transitions: 4, acquireTime: at(0) },
      );
    });

    it('leaves a lease another replica keeps renewing alone, however long it waits', async () => {
      store.put({ holder: 'other', durationSeconds: 15, renewTime: at(0), transitions: 0 });
      const a = await start('a');
      await renewingHolder(store, clock)(120);
      assert.equal(a.election.isLeader(), false);
      assert.equal(a.started, 0);
      assert.deepEqual(store.writesBy('a'), []);
    });

    for (const [skew, renewTime] of [
      ['long expired by its own renewTime (holder clock behind)', at(-3600)],
      ['in the future by its own renewTime (holder clock ahead)', at(3600)],
    ] as const) {
      it(`takes over a lease unchanged for a whole lease duration on its own clock: ${skew}`, async () => {
        store.put({ holder: 'other', durationSeconds: 15, acquireTime: renewTime, renewTime, transitions: 2 });
        const a = await start('a');
        await clock.advance(14_000);
        assert.equal(a.election.isLeader(), false, 'not before 15 s have passed since it first saw the lease');
        await clock.advance(2_000);
        assert.equal(a.election.isLeader(), true, 'at its first try after 15 s');
        assert.equal(a.started, 1);
        assert.deepEqual(
          {
            holder: store.record!.holder,
            transitions: store.record!.transitions,
            acquireTime: store.record!.acquireTime,
            renewTime: store.record!.renewTime,
          },
          { holder: 'a', transitions: 3, acquireTime: at(16), renewTime: at(16) },
        );
      });
    }

    it('counts the lease duration from the last change it saw, not from its first look', async () => {
      store.put({ holder: 'other', durationSeconds: 15, renewTime: at(0), transitions: 0 });
      const a = await start('a');
      await renewingHolder(store, clock)(10); // the holder renews until +10 s, then goes silent
      await clock.advance(14_000); // +24 s: unchanged for 12–14 s as seen at each try
      assert.equal(a.election.isLeader(), false);
      await clock.advance(4_000); // +28 s: the first try 15 s or more after the last change was seen
      assert.equal(a.election.isLeader(), true);
      assert.deepEqual(store.record!.acquireTime, at(28));
    });

    it('retries a failed read at the next retry period and leads once the store answers', async () => {
      let failures = 1;
      store.before = (call) => {
        if (call === 'get' && failures-- > 0) throw new KubeApiError('read lease: HTTP 503: unavailable', 503);
      };
      const a = await start('a');
      assert.equal(a.election.isLeader(), false);
      assert.equal(a.logs[0]?.msg, 'lease acquire/renew failed');
      assert.equal(a.logs[0]?.err?.message, 'read lease: HTTP 503: unavailable', 'the error itself is logged');
      await clock.advance(RETRY_MS);
      assert.equal(a.election.isLeader(), true);
    });
  });

  describe('renewing', () => {
    it('renews every retry period, keeping the acquire time and the transition count', async () => {
      const a = await start('a');
      await clock.advance(RETRY_MS);
      assert.deepEqual(store.record!.renewTime, at(2));
      await clock.advance(60_000);
      assert.equal(a.election.isLeader(), true);
      assert.equal(a.started, 1, 'onStartedLeading once');
      assert.equal(store.writesBy('a').length, 1 + 1 + 30);
      assert.deepEqual(
        {
          acquireTime: store.record!.acquireTime,
          renewTime: store.record!.renewTime,
          transitions: store.record!.transitions,
        },
        { acquireTime: at(0), renewTime: at(62), transitions: 0 },
      );
    });

    it('keeps leading through failed renewals shorter than the renew deadline', async () => {
      const a = await start('a');
      let failing = true;
      store.before = (call) => {
        if (failing && call === 'update') throw new KubeApiError('update lease: HTTP 500: etcd timeout', 500);
      };
      await clock.advance(4 * RETRY_MS); // +8 s without a renewal; the deadline is 10 s
      failing = false;
      await clock.advance(RETRY_MS);
      assert.equal(a.election.isLeader(), true);
      assert.equal(a.stopped, 0);
      assert.equal(a.logs.length, 4);
      assert.ok(a.logs.every((l) => l.err?.message === 'update lease: HTTP 500: etcd timeout'));
    });

    it('loses the lease when another replica wins a conflict, and stops leading only after the renew deadline', async () => {
      const a = await start('a');
      const deadlineS = LEASE_DEFAULTS.renewDeadlineSeconds;
      // At a's first renewal another replica writes first: a's update, from a stale read, gets 409.
      store.before = (call) => {
        if (call === 'update' && store.record!.holder === 'a') {
          store.put({ ...store.record!, holder: 'b', acquireTime: clock.now(), renewTime: clock.now() });
        }
      };
      const b = renewingHolder(store, clock, 'b');
      await b(deadlineS);
      assert.equal(store.record!.holder, 'b');
      assert.equal(a.election.isLeader(), true, `still leading ${deadlineS} s after its last renewal`);
      assert.equal(a.stopped, 0);
      await b(RETRY_MS / 1000);
      assert.equal(a.election.isLeader(), false, 'gives up once the deadline has passed');
      assert.equal(a.stopped, 1);
      assert.equal(clock.pendingTimers, 0, 'and stops campaigning: the process exits and restarts clean');
      await b(60);
      assert.equal(a.stopped, 1);
      assert.equal(a.started, 1);
      const logged = a.logs.length;
      await a.election.release();
      assert.equal(store.record!.holder, 'b', "stopping does not hand back b's lease");
      assert.equal(a.logs.length, logged, 'nor try to');
      assert.equal(store.writesBy('a').length, 1, 'only its first acquire');
    });

    it('stops leading after the renew deadline when the API server cannot be reached at all', async () => {
      const a = await start('a');
      store.before = () => {
        throw new KubeApiError('read lease: connect ECONNREFUSED', undefined);
      };
      await clock.advance(LEASE_DEFAULTS.renewDeadlineSeconds * 1000);
      assert.equal(a.election.isLeader(), true);
      await clock.advance(RETRY_MS);
      assert.equal(a.election.isLeader(), false);
      assert.equal(a.stopped, 1);
    });
  });

  describe('release', () => {
    it('hands the lease back so a standby takes over at its next try, not a lease duration later', async () => {
      const a = await start('a');
      const b = await start('b');
      await clock.advance(2 * RETRY_MS);
      assert.deepEqual([a.election.isLeader(), b.election.isLeader()], [true, false]);
      await a.election.release();
      assert.equal(a.election.isLeader(), false);
      assert.deepEqual(
        { holder: store.record!.holder, durationSeconds: store.record!.durationSeconds },
        { holder: '', durationSeconds: 1 },
      );
      await clock.advance(RETRY_MS);
      assert.equal(b.election.isLeader(), true, 'taken over within one retry period');
      assert.equal(store.record!.holder, 'b');
      assert.equal(store.record!.transitions, 1);
      assert.equal(a.stopped, 0, 'a release is a deliberate stop, not a lost lease');
    });

    it('stops campaigning: a released replica writes nothing more and never leads again', async () => {
      const a = await start('a');
      await a.election.release();
      const writes = store.writes.length;
      await clock.advance(60_000);
      assert.equal(store.writes.length, writes);
      assert.equal(a.election.isLeader(), false);
      assert.equal(a.started, 1);
    });

    it('hands the lease back even when a renewal is in flight as it stops (the renewal lands first)', async () => {
      const a = await start('a');
      let land: () => void = () => undefined;
      store.hold = (call) => (call === 'update' ? new Promise<void>((resolve) => (land = resolve)) : undefined);
      await clock.advance(RETRY_MS); // a's renewal is sent and held by the slow server
      store.hold = undefined;
      const released = a.election.release();
      land();
      await released;
      assert.deepEqual(
        { holder: store.record!.holder, renewTime: store.writesBy('a').at(-1)!.renewTime },
        { holder: '', renewTime: at(2) },
        'the renewal landed, then the hand-back',
      );
      assert.deepEqual(a.logs, []);
    });

    it('hands the lease back when the answer to its last renewal was lost on the way', async () => {
      const a = await start('a');
      let lose = true;
      store.after = (call) => {
        if (call === 'update' && lose) {
          lose = false;
          throw new KubeApiError('update lease: socket hang up', undefined);
        }
      };
      await clock.advance(RETRY_MS); // the renewal landed (a new resourceVersion) but a never heard so
      assert.equal(store.record!.holder, 'a');
      await a.election.release();
      assert.equal(store.record!.holder, '', 'handed back from a fresh read, not refused as a conflict');
    });

    it('hands back a lease it acquired while stopping', async () => {
      let land: () => void = () => undefined;
      store.hold = (call) => (call === 'create' ? new Promise<void>((resolve) => (land = resolve)) : undefined);
      const a = await start('a');
      store.hold = undefined;
      const released = a.election.release();
      land();
      await released;
      assert.equal(store.record!.holder, '');
      assert.equal(a.election.isLeader(), false);
      assert.equal(a.started, 0, 'never started leading');
    });

    it('writes nothing when the replica does not lead', async () => {
      const a = await start('a');
      const b = await start('b');
      await b.election.release();
      assert.deepEqual(store.writesBy('b'), []);
      assert.equal(store.record!.holder, 'a');
      assert.equal(a.election.isLeader(), true);
    });
  });
});
