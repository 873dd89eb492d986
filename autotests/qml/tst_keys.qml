// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// Keyed tasks from QML: spawn(key, fn) under limitPerKey, rateLimitPerKey and rateLimit,
// spawnOnce(key, fn) and spawnLatest(key, fn), with real timers.
TestCase {
    id: testCase
    name: "Keys"

    Component { id: timerComponent; Timer {} }
    Component { id: poolComponent; Pool {} }
    Component { id: bagComponent; Bag {} }

    function later(ms, fn) {
        const timer = timerComponent.createObject(testCase, { interval: ms });
        timer.triggered.connect(() => { timer.destroy(); fn(); });
        timer.start();
    }
    function sleeping(ms, value) {
        return new Promise(resolve => later(ms, () => resolve(value)));
    }

    function init() {
        failOnWarning(/.?/);
    }

    function test_limitPerKey() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 6, limitPerKey: 2 });
        compare(pool.limitPerKey, 2);
        const inFlight = {};
        const most = {};
        const started = [];
        for (let i = 0; i < 12; ++i) {
            const key = i < 8 ? "a" : "b";
            pool.spawn(key, () => {
                started.push(key + i);
                inFlight[key] = (inFlight[key] || 0) + 1;
                most[key] = Math.max(most[key] || 0, inFlight[key]);
                return sleeping(20, i).then(v => { --inFlight[key]; return v; });
            });
        }
        // b's tasks, queued behind six of a's, start at once.
        compare(started, ["a0", "a1", "b8", "b9"]);
        tryCompare(pool, "idle", true);
        compare(most.a, 2);
        compare(most.b, 2);
        compare(pool.finishedCount, 12);
        // An empty key is no key.
        let unkeyed = 0;
        for (let i = 0; i < 4; ++i)
            pool.spawn("", () => { ++unkeyed; return sleeping(10); });
        compare(unkeyed, 4);
        tryCompare(pool, "idle", true);
    }

    function test_spawnOnce() {
        const bag = createTemporaryObject(bagComponent, testCase);
        let calls = 0;
        for (let i = 0; i < 5; ++i)
            bag.spawnOnce("thumb", () => { ++calls; return sleeping(20, "png"); });
        compare(calls, 1);
        compare(bag.spawnedCount, 1);
        tryCompare(bag, "idle", true);
        compare(bag.takeAll(), ["png"]);
    }

    function test_spawnLatest() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const results = [];
        bag.resultReady.connect(value => results.push(value));
        bag.spawnLatest("search", () => sleeping(50, "a"));
        bag.spawnLatest("search", () => sleeping(50, "ab"));
        bag.spawnLatest("search", () => sleeping(50, "abc"));
        tryCompare(bag, "idle", true);
        compare(results, ["abc"]);
        compare(bag.finishedCount, 3);
        compare(bag.failedCount, 0);
    }

    function test_rateLimitPerKey() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 4 });
        pool.rateLimitPerKey = 10;
        compare(pool.rateLimitPerKey, 10);
        const at = [];
        const clock = Date.now();
        for (let i = 0; i < 3; ++i)
            pool.spawn("host", () => { at.push(Date.now() - clock); return i; });
        compare(at.length, 1);
        compare(pool.queuedCount, 2);
        tryCompare(pool, "idle", true);
        compare(at.length, 3);
        // Each time is taken when the callable runs, a moment after the pool let it start (the
        // first call of a JavaScript function may take milliseconds): the bounds that hold are
        // from `clock`, before the first start. Date.now() counts whole milliseconds: one off.
        verify(at[1] >= 99, "second start at " + at[1]);
        verify(at[2] >= 199, "third start at " + at[2]);
    }

    function test_rateLimit() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 4, rateLimit: 20 });
        let called = 0;
        for (let i = 0; i < 3; ++i)
            pool.spawn(() => { ++called; });
        compare(called, 1);
        tryCompare(pool, "idle", true);
        compare(called, 3);
    }

    function test_badInput() {
        const pool = createTemporaryObject(poolComponent, testCase);
        ignoreWarning("AioUtils::Group::setLimitPerKey: limitPerKey -1 is negative; using 0 (none)");
        pool.limitPerKey = -1;
        compare(pool.limitPerKey, 0);
        ignoreWarning("AioUtils::Group::setRateLimitPerKey: rateLimitPerKey -5 is negative; using 0 (none)");
        pool.rateLimitPerKey = -5;
        compare(pool.rateLimitPerKey, 0);
        let message = "";
        try {
            pool.spawnLatest("k", 42);
        } catch (e) {
            message = e.message;
        }
        compare(message, "spawnLatest(): the argument is not a function");
    }
}
