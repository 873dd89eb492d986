// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// A Pool limits how many functions are in flight; properties bind.
TestCase {
    id: testCase
    name: "Pool"

    Component { id: timerComponent; Timer {} }

    function later(ms, fn) {
        const timer = timerComponent.createObject(testCase, { interval: ms });
        timer.triggered.connect(() => { timer.destroy(); fn(); });
        timer.start();
    }

    function init() {
        failOnWarning(/.?/);
    }

    Pool {
        id: pool
        size: 3
    }
    Text {
        id: label
        text: pool.finishedCount + "/" + pool.spawnedCount + (pool.idle ? " idle" : " busy")
    }

    function test_limit() {
        let inFlight = 0;
        let maxInFlight = 0;
        let called = 0;
        for (let i = 0; i < 12; ++i) {
            pool.spawn(() => {
                ++called;
                maxInFlight = Math.max(maxInFlight, ++inFlight);
                return new Promise(resolve => later(10 + (i % 4) * 10, () => {
                    --inFlight;
                    resolve(i);
                }));
            });
        }
        // A queued function is not called before a slot is free.
        compare(called, 3);
        compare(pool.runningCount, 3);
        compare(pool.queuedCount, 9);
        gc();
        tryCompare(pool, "idle", true);
        compare(called, 12);
        compare(maxInFlight, 3);
        compare(pool.finishedCount, 12);
        compare(pool.failedCount, 0);
        tryCompare(label, "text", "12/12 idle"); // countsChanged may come a turn later
    }

    // Each task's end shows in the binding: the tasks end one at a time, each only once the label
    // showed the one before (not by timers 20 ms apart, which a loaded machine ran in one turn of
    // the event loop: "0/3 busy, 2/3 busy, 3/3 idle", once under ASan on Debian 13).
    function test_bindingFollowsEachTask() {
        const resolvers = [];
        for (let i = 0; i < 3; ++i)
            pool.spawn(() => new Promise(resolve => resolvers.push(resolve)));
        tryCompare(label, "text", "0/3 busy");
        tryCompare(resolvers, "length", 3);
        resolvers[0](0);
        tryCompare(label, "text", "1/3 busy");
        resolvers[1](1);
        tryCompare(label, "text", "2/3 busy");
        resolvers[2](2);
        tryCompare(label, "text", "3/3 idle");
    }
}
