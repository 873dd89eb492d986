// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// KeyTable: the per-key rules of a group's keyed tasks (see keytable_p.h).

#include "keytable_p.h"

#include <AioUtils/detail/jobs.h>

namespace AioUtils {
namespace detail {

int KeyTable::indexOf(const QString &name)
{
    const auto it = ids.constFind(name);
    if (it != ids.cend())
        return it.value();
    int index;
    if (freeIndices.empty()) {
        index = int(keys.size());
        keys.emplace_back();
    } else {
        index = freeIndices.back();
        freeIndices.pop_back();
    }
    keys[std::size_t(index)].name = name;
    ids.insert(name, index);
    return index;
}

std::optional<KeyTable::Clock::time_point> KeyTable::forgetIfIdle(int index, Clock::time_point now,
                                                                  Released &released)
{
    Key &key = keys[std::size_t(index)];
    if (key.name.isEmpty() || key.active > 0 || key.inReady || key.inQueue > 0 || key.hasParked())
        return std::nullopt;
    // No task of the key is left: its spawnOnce() future is of no use any more (finished, or
    // canceled on its way to finishing).
    if (key.handedTyped)
        released.push_back(std::move(key.handedTyped));
    key.handed.reset();
    key.handedType.reset();
    if (const std::optional<Clock::time_point> due = rateDue(index); due && now < *due) {
        // Its rate still counts: looked at again once it is over (wakeDue()).
        if (!key.wakeAt || *key.wakeAt > *due) {
            key.wakeAt = *due;
            wakes.push({ *due, index });
        }
        return due;
    }
    ids.remove(key.name);
    key = Key();
    freeIndices.push_back(index);
    return std::nullopt;
}

std::optional<KeyTable::Clock::time_point> KeyTable::rateDue(int index) const
{
    const Key &key = keys[std::size_t(index)];
    if (interval.count() <= 0 || !key.lastStart)
        return std::nullopt;
    return *key.lastStart + interval;
}

bool KeyTable::admits(int index, bool fromReady, Clock::time_point now) const
{
    const Key &key = keys[std::size_t(index)];
    if (!fromReady && (key.inReady || key.hasParked()))
        return false; // FIFO: an older job of the key waits
    if (limit > 0 && key.active >= limit)
        return false;
    const std::optional<Clock::time_point> due = rateDue(index);
    return !due || now >= *due;
}

std::optional<KeyTable::Clock::time_point> KeyTable::park(Job *job, bool front,
                                                          Clock::time_point now)
{
    const int index = job->key();
    Key &key = keys[std::size_t(index)];
    if (!key.parked)
        key.parked = std::make_unique<std::deque<Job *>>();
    if (front)
        key.parked->push_front(job);
    else
        key.parked->push_back(job);
    return wake(index, now);
}

std::optional<KeyTable::Clock::time_point> KeyTable::wake(int index, Clock::time_point now)
{
    Key &key = keys[std::size_t(index)];
    if (key.inReady || !key.hasParked() || (limit > 0 && key.active >= limit))
        return std::nullopt; // a task's end wakes it
    if (const std::optional<Clock::time_point> due = rateDue(index); due && now < *due) {
        if (!key.wakeAt || *key.wakeAt > *due) {
            key.wakeAt = *due;
            wakes.push({ *due, index });
        }
        return due;
    }
    ready.push_back(key.parked->front());
    key.parked->pop_front();
    key.inReady = true;
    return std::nullopt;
}

std::optional<KeyTable::Clock::time_point> KeyTable::started(int index, bool fromReady,
                                                             Clock::time_point now)
{
    Key &key = keys[std::size_t(index)];
    if (fromReady)
        key.inReady = false;
    ++key.active;
    if (interval.count() > 0)
        key.lastStart = now;
    if (!key.hasParked())
        return std::nullopt;
    return wake(index, now); // the next of its line, if the key still allows one
}

std::optional<KeyTable::Clock::time_point> KeyTable::released(int index, Clock::time_point now)
{
    --keys[std::size_t(index)].active;
    return wake(index, now);
}

void KeyTable::wakeDue(Clock::time_point now, Released &released)
{
    while (!wakes.empty() && wakes.top().at <= now) {
        const Wake due = wakes.top();
        wakes.pop();
        Key &key = keys[std::size_t(due.index)];
        if (key.wakeAt != due.at)
            continue; // stale: the key was looked at since
        key.wakeAt.reset();
        wake(due.index, now);
        forgetIfIdle(due.index, now, released);
    }
}

std::optional<KeyTable::Clock::time_point> KeyTable::nextWake() const
{
    if (wakes.empty())
        return std::nullopt;
    return wakes.top().at;
}

void KeyTable::wakeAll(Clock::time_point now)
{
    wakes = {};
    for (std::size_t i = 0; i < keys.size(); ++i) {
        keys[i].wakeAt.reset();
        // Raised limits may let several go at once: each start wakes the next (see started()).
        wake(int(i), now);
    }
}

void KeyTable::clearTasks(std::vector<Job *> &out, Released &released)
{
    for (Key &key : keys) {
        if (key.parked) {
            out.insert(out.end(), key.parked->begin(), key.parked->end());
            key.parked->clear();
        }
        if (key.queued)
            key.queued->clear();
        key.inQueue = 0;
        if (key.handedTyped)
            released.push_back(std::move(key.handedTyped));
        key.active = 0;
        key.inReady = false;
        key.wakeAt.reset();
        key.handed.reset();
        key.handedType.reset();
    }
    out.insert(out.end(), ready.begin(), ready.end());
    ready.clear();
    wakes = {};
}

void KeyTable::prune(Clock::time_point now, std::vector<Job *> &out, Released &released)
{
    out.insert(out.end(), ready.begin(), ready.end());
    ready.clear();
    wakes = {};
    std::vector<Key> kept;
    for (Key &key : keys) {
        if (key.handedTyped)
            released.push_back(std::move(key.handedTyped));
        if (interval.count() > 0 && key.lastStart && now < *key.lastStart + interval) {
            Key remembered;
            remembered.name = std::move(key.name);
            remembered.lastStart = key.lastStart;
            kept.push_back(std::move(remembered));
        }
    }
    keys = std::move(kept);
    freeIndices.clear();
    ids.clear();
    for (std::size_t i = 0; i < keys.size(); ++i)
        ids.insert(keys[i].name, int(i));
}

} // namespace detail
} // namespace AioUtils
