// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// bag.nextResult(): a Promise of the next result, served in call order, undefined once the
// round has ended, rejected with the round's failure after the last result.
TestCase {
    id: testCase
    name: "NextResult"

    Component { id: timerComponent; Timer {} }
    Component { id: bagComponent; Bag {} }
    Component { id: orderedBagComponent; OrderedBag {} }

    function later(ms, fn) {
        const timer = timerComponent.createObject(testCase, { interval: ms });
        timer.triggered.connect(() => { timer.destroy(); fn(); });
        timer.start();
    }
    function resolveLater(ms, value) {
        return new Promise(resolve => later(ms, () => resolve(value)));
    }
    function rejectLater(ms, reason) {
        return new Promise((resolve, reject) => later(ms, () => reject(reason)));
    }
    // Records how `promise` settles into `log`.
    function record(promise, log) {
        promise.then(value => log.push(value === undefined ? "end" : value),
                     error => log.push("failed: " + error.message));
    }

    function init() {
        failOnWarning(/.?/);
    }

    function test_servedInCallOrder() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const log = [];
        bag.spawn(() => resolveLater(60, "slow"));
        bag.spawn(() => resolveLater(10, "fast"));
        for (let i = 0; i < 3; ++i)
            record(bag.nextResult(), log);
        tryCompare(log, "length", 3);
        compare(log, ["fast", "slow", "end"]);
    }

    function test_orderedBagInSpawnOrder() {
        const bag = createTemporaryObject(orderedBagComponent, testCase);
        const log = [];
        bag.spawn(() => resolveLater(60, 1));
        bag.spawn(() => resolveLater(10, 2));
        bag.spawn(() => 3);
        for (let i = 0; i < 4; ++i)
            record(bag.nextResult(), log);
        tryCompare(log, "length", 4);
        compare(log, [1, 2, 3, "end"]);
    }

    function test_failureAfterTheLastResult() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const log = [];
        bag.spawn(() => rejectLater(5, new Error("broken")));
        bag.spawn(() => resolveLater(40, "value"));
        for (let i = 0; i < 3; ++i)
            record(bag.nextResult(), log);
        tryCompare(log, "length", 3);
        compare(log, ["value", "failed: broken", "end"]);
        compare(bag.failures(), []); // taken once
    }

    function test_consumerLoop() {
        // Each result asks for the next (Qt 6.4's JavaScript has no async functions).
        const bag = createTemporaryObject(bagComponent, testCase);
        for (let i = 0; i < 5; ++i)
            bag.spawn(() => resolveLater(5 * i, { n: i }));
        const seen = [];
        let done = false;
        function showNext() {
            bag.nextResult().then(r => {
                if (r === undefined) {
                    done = true;
                    return;
                }
                seen.push(r.n);
                showNext();
            });
        }
        showNext();
        tryVerify(() => done);
        compare(seen.sort(), [0, 1, 2, 3, 4]);
    }

    function test_readyResultResolvesAtOnce() {
        const bag = createTemporaryObject(bagComponent, testCase);
        bag.put("kept");
        const log = [];
        record(bag.nextResult(), log);
        tryCompare(log, "length", 1);
        compare(log, ["kept"]);
        compare(bag.bufferedCount, 0);
    }

    function test_bagDestroyedResolvesUndefined() {
        const bag = bagComponent.createObject(testCase);
        bag.spawn(() => new Promise(() => {})); // never settles
        const log = [];
        record(bag.nextResult(), log);
        wait(10);
        compare(log, []);
        bag.destroy();
        tryCompare(log, "length", 1);
        compare(log, ["end"]);
    }
}
