// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_TASKTRACKER_P_H
#define AIOUTILS_TASKTRACKER_P_H

#include <AioUtils/detail/tasklink.h>

#include <QtCore/qstring.h>

#include <chrono>
#include <deque>
#include <exception>
#include <unordered_map>
#include <vector>

namespace AioUtils {
namespace detail {

class Job;

// What happened to a tracked task, as the task model (Group::taskModel()) hears of it: recorded
// under the group's lock by the thread where it happened, applied on the group's thread by the
// next drain.
struct TrackEvent
{
    enum Kind : quint8 {
        Round,       // a round begins: the rows of tasks before `id` go
        Queued,      // task `id` was spawned (a new row, with `key`); started at `at` if > 0
        Started,     // task `id` started at `at`
        Ended,       // task `id` ended at `at` with `outcome` (and `failure`)
        CanceledAll, // cancel(): every task before `id` that has not ended was canceled at `at`
    };
    explicit TrackEvent(Kind what) : kind(what) { }
    Kind kind;
    Outcome outcome = Outcome::Succeeded;
    // A task that was running without a slot when the model was made (nothing identifies it
    // then): its row is a stand-in, and its end ends the oldest stand-in still running.
    bool standIn = false;
    qint64 id = -1;
    qint64 at = 0; // steady clock, ns
    QString key;   // Queued; a stand-in's end
    std::exception_ptr failure;
};

// Recorded in a deque: a burst of them (a hundred thousand tasks spawned at once) is never
// moved as it grows.
using TrackEvents = std::deque<TrackEvent>;

// The group's half of the task model, under the group's lock: made by the first taskModel() call
// (a group without a model has none and pays one null test a step). Every task gets an id in
// spawn order; queued jobs are found by address until they start, started tasks by their slot
// (a tracked task always gets one).
struct TaskTracker
{
    static qint64 now()
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                .count();
    }

    // A new task: its id, and its row; `startedAt` > 0: it started then (one event for both).
    qint64 spawned(QString key, qint64 startedAt = 0, bool standIn = false)
    {
        const qint64 id = nextId++;
        TrackEvent event(TrackEvent::Queued);
        event.id = id;
        event.at = startedAt;
        event.key = std::move(key);
        event.standIn = standIn;
        events.push_back(std::move(event));
        return id;
    }
    void push(TrackEvent::Kind kind, qint64 id, qint64 at)
    {
        TrackEvent event(kind);
        event.id = id;
        event.at = at;
        events.push_back(std::move(event));
    }
    // The id of a queued job, no longer queued; -1 when it has none.
    qint64 takeQueued(const Job *job)
    {
        const auto it = queued.find(job);
        if (it == queued.end())
            return -1;
        const qint64 id = it->second;
        queued.erase(it);
        return id;
    }

    qint64 nextId = 0;
    std::unordered_map<const Job *, qint64> queued;
    TrackEvents events; // not yet applied to the model
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_TASKTRACKER_P_H
