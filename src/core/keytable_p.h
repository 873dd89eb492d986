// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_KEYTABLE_P_H
#define AIOUTILS_KEYTABLE_P_H

#include <QtCore/qfuture.h>
#include <QtCore/qhash.h>
#include <QtCore/qstring.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <queue>
#include <typeindex>
#include <vector>

namespace AioUtils {
namespace detail {

class Job;

// The per-key state of a group's keyed tasks (Group::spawn(const Key &, ...)): how many of a key
// run, which of its queued jobs wait for the key (limitPerKey, rateLimitPerKey), and what
// spawnOnce() and spawnLatest() find by the key. Made on the first keyed task; a group without
// keyed tasks has none. Always under the GroupCore's lock.
//
// No head-of-line blocking, no scan of the queue: a keyed job that reaches the front of the
// group's queue while its key may not start it is parked in its key's FIFO; when the key may
// start one again (a task of it ended, its rate allows), the key's oldest parked job goes to
// `ready`, which the group starts from before its queue (every job there was spawned before
// everything still in the queue). A key has at most one job in `ready` at a time: when that one
// starts, the next may follow if the key still allows.
class KeyTable
{
public:
    using Clock = std::chrono::steady_clock;
    // spawnOnce() futures let go under the lock, to be destroyed after it (the last reference to
    // a task's results runs their destructors, user code).
    using Released = std::vector<std::shared_ptr<void>>;

    // A key's state. Small, and its lines are made on first use: a crawl's thousand hosts whose
    // tasks never wait cost a few cache lines each.
    struct Key
    {
        QString name;
        int active = 0;                            // started tasks of the key that have not ended
        bool inReady = false;                      // its oldest parked job is in `ready`
        std::unique_ptr<std::deque<Job *>> parked; // its jobs held back by the key, in order
        // Its live jobs in the group's queue, in order: tracked once spawnLatest() was called
        // for the key (which drops them), null before.
        std::unique_ptr<std::deque<Job *>> queued;
        std::optional<Clock::time_point> wakeAt;    // its entry in `wakes`, if it has one
        std::optional<Clock::time_point> lastStart; // for rateLimitPerKey
        int inQueue = 0;                            // its live jobs in the group's queue
        // The future of the key's newest spawned task (as QFuture<void>, and typed: see
        // KeyedSpawn) and its result type, for spawnOnce(); let go when that task ends.
        std::optional<QFuture<void>> handed;
        std::shared_ptr<void> handedTyped;
        std::optional<std::type_index> handedType;

        bool hasParked() const { return parked && !parked->empty(); }
    };

    // The index of the key named `name`, made now if needed. Stable until the key is let go
    // (forgetIfIdle(), prune()).
    int indexOf(const QString &name);
    // Lets the key go if nothing of it is left: no task running, queued or held back (its
    // spawnOnce() future, if any, goes to `released`). Its index is reused. A key whose rate
    // still counts is kept until then: returns when to look again.
    std::optional<Clock::time_point> forgetIfIdle(int index, Clock::time_point now,
                                                  Released &released);
    Key &operator[](int index) { return keys[std::size_t(index)]; }
    const Key &operator[](int index) const { return keys[std::size_t(index)]; }

    // Whether the key lets a job of it start now: below the per-key limit, its rate allows, and
    // (for a job from the group's queue) no older job of the key waits.
    bool admits(int index, bool fromReady, Clock::time_point now) const;
    // When the key's rate lets its next task start; nullopt when it does not hold one back.
    std::optional<Clock::time_point> rateDue(int index) const;
    // A job the key does not admit now waits in its FIFO (at the front: the oldest, back from
    // `ready`). Returns when it must look again if only time holds the key back.
    std::optional<Clock::time_point> park(Job *job, bool front, Clock::time_point now);
    // A job of the key started (`fromReady`: the key's job in `ready`). Returns when to look
    // again (time holds its next job back).
    std::optional<Clock::time_point> started(int index, bool fromReady, Clock::time_point now);
    // A task of the key ended. Returns when to look again (time holds its next job back).
    std::optional<Clock::time_point> released(int index, Clock::time_point now);
    // The key's oldest parked job goes to `ready` if the key admits it now; else, when the rate
    // holds it back, returns when to look again.
    std::optional<Clock::time_point> wake(int index, Clock::time_point now);
    // Keys whose rate now lets their parked jobs go: to `ready`; idle keys whose rate time is
    // over are let go.
    void wakeDue(Clock::time_point now, Released &released);
    // When the first key held back by its rate may go.
    std::optional<Clock::time_point> nextWake() const;
    // A setting changed (limitPerKey raised, a rate): every key looks again.
    void wakeAll(Clock::time_point now);

    // cancel(): every queued job of every key goes to `out` (parked and ready ones; those in the
    // group's queue are the group's to drop), and no key has a task any more.
    void clearTasks(std::vector<Job *> &out, Released &released);
    // The round ended: keys with nothing to remember (no rate time still to wait) are let go.
    // What is left in `ready` then (dropped jobs) goes to `out`.
    void prune(Clock::time_point now, std::vector<Job *> &out, Released &released);

    // Calls f(job) for every job held back in a key's line.
    template<typename F> void forEachParked(F &&f) const
    {
        for (const Key &key : keys) {
            if (key.parked) {
                for (const Job *job : *key.parked)
                    f(job);
            }
        }
    }

    bool empty() const { return keys.empty(); }
    std::size_t size() const { return keys.size(); }

    int limit = 0;                  // limitPerKey, 0: none
    Clock::duration interval { 0 }; // 1 / rateLimitPerKey, 0: none
    // Parked jobs whose key may start them now, oldest first; the group starts them before its
    // queue. May hold dropped jobs (spawnLatest()), skipped when they come up.
    std::deque<Job *> ready;

private:
    struct Wake
    {
        Clock::time_point at;
        int index;
        bool operator>(const Wake &other) const { return at > other.at; }
    };
    std::vector<Key> keys;
    std::vector<int> freeIndices; // of keys let go
    QHash<QString, int> ids;
    // Keys held back by their rate, soonest first; an entry may be stale (looked at again).
    std::priority_queue<Wake, std::vector<Wake>, std::greater<Wake>> wakes;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_KEYTABLE_P_H
