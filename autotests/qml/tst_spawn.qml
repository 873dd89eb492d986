// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// spawn(fn): plain values, promises and thenables, failures, cancel, OrderedBag order, put().
TestCase {
    id: testCase
    name: "Spawn"

    Component { id: timerComponent; Timer {} }
    Component { id: groupComponent; Group {} }
    Component { id: bagComponent; Bag {} }
    Component { id: orderedBagComponent; OrderedBag {} }
    Component { id: poolComponent; Pool {} }

    // Calls fn after ms, from a Timer.
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
    function collect(bag) {
        const results = [];
        bag.resultReady.connect(result => results.push(result));
        return results;
    }

    function init() {
        failOnWarning(/.?/);
    }

    // Declared with handlers taking named arguments, as an application would.
    Bag {
        id: declared
        property var results: []
        property var messages: []
        property int finishedSignals: 0
        onResultReady: (result) => results = results.concat([result])
        onTaskFailed: (message) => messages = messages.concat([message])
        onFinished: ++finishedSignals
    }

    function test_handlersWithNamedArguments() {
        declared.spawn(() => "value");
        declared.spawn(() => { throw new Error("broken"); });
        tryCompare(declared, "idle", true);
        compare(declared.results, ["value"]);
        compare(declared.messages, ["broken"]);
        tryCompare(declared, "finishedSignals", 1);
        compare(declared.takeAll(), ["value"]);
    }

    function test_plainValues() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const results = collect(bag);
        bag.spawn(() => 42);
        bag.spawn(() => "text");
        bag.spawn(() => ({ name: "object", list: [1, 2] }));
        bag.spawn(() => {}); // undefined: no result, as a void task
        tryCompare(bag, "idle", true);
        compare(bag.spawnedCount, 4);
        compare(bag.finishedCount, 4);
        compare(bag.failedCount, 0);
        compare(results.length, 3);
        compare(results[0], 42);
        compare(results[1], "text");
        compare(results[2].name, "object");
        compare(results[2].list, [1, 2]);
        compare(bag.bufferedCount, 3);
        compare(bag.takeAll().length, 3);
        compare(bag.bufferedCount, 0);
    }

    function test_promisesResolvedLater() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const results = collect(bag);
        bag.spawn(() => resolveLater(60, "slow"));
        bag.spawn(() => resolveLater(10, "fast"));
        bag.spawn(() => Promise.resolve("at once"));
        // A thenable that is not a Promise.
        bag.spawn(() => ({ then: (resolve, reject) => later(30, () => resolve("thenable")) }));
        // A thenable resolving to a promise: the task follows the promise.
        bag.spawn(() => ({ then: resolve => resolve(resolveLater(20, "nested")) }));
        verify(!bag.idle);
        gc(); // the callbacks handed to then() live on the JavaScript heap: they must survive
        tryCompare(bag, "idle", true);
        compare(bag.finishedCount, 5);
        compare(bag.failedCount, 0);
        compare(results.length, 5);
        compare(results.slice().sort(), ["at once", "fast", "nested", "slow", "thenable"]);
        compare(results[results.length - 1], "slow");
    }

    function test_failures() {
        const group = createTemporaryObject(groupComponent, testCase);
        const messages = [];
        group.taskFailed.connect(message => messages.push(message));
        group.spawn(() => { throw new Error("thrown error"); });
        group.spawn(() => { throw "thrown string"; });
        group.spawn(() => { throw 7; });
        group.spawn(() => rejectLater(10, new Error("rejected error")));
        group.spawn(() => rejectLater(20, "rejected string"));
        group.spawn(() => Promise.reject(new TypeError("type error")));
        group.spawn(() => ({ then: () => { throw new Error("then threw"); } }));
        group.spawn(() => resolveLater(10, "fine"));
        tryCompare(group, "idle", true);
        compare(group.finishedCount, 8);
        compare(group.failedCount, 7);
        compare(messages.slice().sort(), ["7", "rejected error", "rejected string",
                                          "then threw", "thrown error", "thrown string",
                                          "type error"]);
    }

    function test_tasksSpawnTasks() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 2 });
        let finished = false;
        pool.finished.connect(() => finished = true);
        for (let i = 0; i < 3; ++i) {
            pool.spawn(() => resolveLater(10, i).then(value => {
                // From inside a running task: the round cannot end before the children do.
                pool.spawn(() => resolveLater(20, value * 10));
                pool.spawn(() => value * 100);
            }));
        }
        tryCompare(pool, "idle", true);
        verify(finished);
        compare(pool.spawnedCount, 9);
        compare(pool.finishedCount, 9);
        compare(pool.failedCount, 0);
    }

    function test_notAFunction() {
        const group = createTemporaryObject(groupComponent, testCase);
        let caught = null;
        try {
            group.spawn(42);
        } catch (error) {
            caught = error;
        }
        verify(caught instanceof TypeError);
        compare(group.spawnedCount, 0);
        verify(group.idle);
    }

    function test_cancel() {
        const bag = createTemporaryObject(bagComponent, testCase, { maxConcurrency: 1 });
        const results = collect(bag);
        let called = 0;
        let settled = 0;
        for (let i = 0; i < 3; ++i) {
            bag.spawn(() => {
                ++called;
                return new Promise(resolve => later(50, () => { resolve(i); ++settled; }));
            });
        }
        compare(called, 1);
        compare(bag.queuedCount, 2);
        bag.cancel();
        verify(bag.idle);
        compare(bag.failedCount, 0);
        compare(bag.finishedCount, 3);
        tryVerify(() => settled === 1);
        wait(0); // the promise's reactions (ours among them) are posted events
        compare(called, 1);
        compare(results.length, 0);
        compare(bag.bufferedCount, 0);
        compare(bag.failedCount, 0);

        // The bag stays usable.
        bag.spawn(() => resolveLater(5, "again"));
        tryCompare(bag, "idle", true);
        compare(results, ["again"]);
    }

    function test_failuresOfTheRound() {
        const group = createTemporaryObject(groupComponent, testCase, { maxConcurrency: 1 });
        group.spawn(() => { throw new Error("first"); });
        group.spawn(() => rejectLater(5, "second"));
        group.spawn(() => 3);
        tryCompare(group, "idle", true);
        compare(group.failures(), ["first", "second"]);
        compare(group.failedCount, 2);
        // A new round starts with none.
        group.spawn(() => 4);
        tryCompare(group, "idle", true);
        compare(group.failures(), []);
    }

    function test_paused() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 2, paused: true });
        const results = [];
        let pausedSignals = 0;
        pool.pausedChanged.connect(() => ++pausedSignals);
        for (let i = 0; i < 3; ++i)
            pool.spawn(() => { results.push(i); return i; });
        // Queued while paused, although slots are free.
        compare(results.length, 0);
        compare(pool.queuedCount, 3);
        compare(pool.runningCount, 0);
        pool.paused = false;
        compare(pausedSignals, 1);
        tryCompare(pool, "idle", true);
        compare(results, [0, 1, 2]);
    }

    function test_taskTimeout() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 2, taskTimeout: 50 });
        compare(pool.taskTimeout, 50);
        const messages = [];
        pool.taskFailed.connect(message => messages.push(message));
        pool.spawn(() => new Promise(() => {})); // never settles
        pool.spawn(() => resolveLater(10, "in time"));
        tryCompare(pool, "idle", true);
        compare(pool.failedCount, 1);
        compare(messages, ["task timed out after 50 ms (taskTimeout)"]);
        compare(pool.failures(), messages);
    }

    function test_cancelOnFailure() {
        const bag = createTemporaryObject(bagComponent, testCase,
                                          { failurePolicy: Group.CancelOnFailure });
        const results = collect(bag);
        bag.spawn(() => resolveLater(200, "late"));
        bag.spawn(() => rejectLater(10, new Error("first failure")));
        bag.spawn(() => resolveLater(300, "later"));
        tryCompare(bag, "idle", true);
        compare(bag.failedCount, 1);
        compare(bag.finishedCount, 3);
        compare(results.length, 0);
    }

    function test_orderedBagKeepsSpawnOrder() {
        const bag = createTemporaryObject(orderedBagComponent, testCase);
        const results = collect(bag);
        bag.spawn(() => resolveLater(60, "a"));
        bag.spawn(() => resolveLater(10, "b"));
        bag.spawn(() => "c");
        bag.put("d");
        bag.spawn(() => rejectLater(5, "a failure leaves no gap"));
        bag.spawn(() => resolveLater(30, "e"));
        bag.put({ f: 6 });
        tryCompare(bag, "idle", true);
        tryCompare(results, "length", 6);
        compare(results.slice(0, 5), ["a", "b", "c", "d", "e"]);
        compare(results[5].f, 6);
        compare(bag.failedCount, 1);
    }

    function test_putIntoBag() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const results = collect(bag);
        bag.put(1);
        bag.put("two");
        tryCompare(results, "length", 2);
        compare(bag.takeAll(), [1, "two"]);
    }

    function test_enumsAndProperties() {
        const group = createTemporaryObject(groupComponent, testCase);
        compare(group.failurePolicy, Group.ContinueOnFailure);
        group.failurePolicy = Group.CancelOnFailure;
        compare(group.failurePolicy, Group.CancelOnFailure);
        compare(group.maxConcurrency, 0);
        verify(group.idle);
        const pool = createTemporaryObject(poolComponent, testCase);
        compare(pool.size, 4); // the default
        pool.size = 2;
        compare(pool.maxConcurrency, 2);
        const bag = createTemporaryObject(bagComponent, testCase, { bufferLimit: 3 });
        compare(bag.bufferLimit, 3);
        compare(bag.maxConcurrency, 0);
    }

    // A QObject result is kept as the JavaScript value it is: the bag's reference keeps a
    // JavaScript-owned object from the garbage collector, and one deleted meanwhile reads back
    // as an empty wrapper, never as a dangling pointer.
    Component { id: itemComponent; Item {} }
    function test_objectResultsOutliveTheCollector() {
        const bag = createTemporaryObject(bagComponent, testCase);
        bag.spawn(() => itemComponent.createObject(null, { objectName: "made" }));
        bag.spawn(() => ({ name: "plain", list: [1, 2] }));
        tryCompare(bag, "idle", true);
        gc();
        wait(0);
        gc();
        const all = bag.takeAll();
        compare(all.length, 2);
        const made = all.find(v => v.objectName !== undefined);
        compare(made.objectName, "made");
        const plain = all.find(v => v.name === "plain");
        compare(plain.list.length, 2);
    }

    function test_deletedObjectResult() {
        const bag = createTemporaryObject(bagComponent, testCase);
        const item = itemComponent.createObject(testCase, { objectName: "victim" });
        bag.put(item);
        bag.spawn(() => item);
        tryCompare(bag, "idle", true);
        item.destroy();
        wait(0);
        const all = bag.takeAll();
        compare(all.length, 2);
        for (const value of all)
            verify(!value || value.objectName === undefined);
    }

    // Promises/A+: a `then` getter that throws rejects; here, the task fails with its message,
    // whether the function runs inside spawn() or later from a pool's queue.
    function test_thenGetterThrows_data() {
        return [ { tag: "at once", size: 0 }, { tag: "queued", size: 1 } ];
    }
    function test_thenGetterThrows(data) {
        const group = createTemporaryObject(groupComponent, testCase,
                                            { maxConcurrency: data.size });
        const messages = [];
        group.taskFailed.connect(message => messages.push(message));
        if (data.size > 0)
            group.spawn(() => resolveLater(20, 1));
        group.spawn(() => ({ get then() { throw new Error("getter boom"); } }));
        let after = "";
        later(60, () => { after = JSON.stringify({ a: 1 }); });
        tryCompare(group, "idle", true);
        compare(group.failedCount, 1);
        compare(messages, ["getter boom"]);
        // No exception was left on the engine: the next, unrelated JavaScript runs.
        tryVerify(() => after === '{"a":1}');
    }
}

