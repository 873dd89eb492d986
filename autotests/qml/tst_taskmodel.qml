// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtQml.Models
import QtTest
import AioUtils

// A group's taskModel from QML: rows with the roles key, state, progress, error and elapsed as a
// view's delegates see them, cancel(row), taskModelLimit, and the rows of real requests.
TestCase {
    id: testCase
    name: "TaskModel"

    Component { id: timerComponent; Timer {} }
    Component { id: poolComponent; Pool {} }
    Component {
        id: rowsComponent
        Instantiator {
            delegate: QtObject {
                required property int index
                required property string key
                required property string state
                required property real progress
                required property string error
                required property real elapsed
            }
        }
    }

    function later(ms, fn) {
        const timer = timerComponent.createObject(testCase, { interval: ms });
        timer.triggered.connect(() => { timer.destroy(); fn(); });
        timer.start();
    }
    function sleeping(ms, value) {
        return new Promise(resolve => later(ms, () => resolve(value)));
    }
    // A promise settled by the test: { promise, resolve }.
    function deferred() {
        const result = {};
        result.promise = new Promise(resolve => { result.resolve = resolve; });
        return result;
    }
    function rowsOf(group) {
        return createTemporaryObject(rowsComponent, testCase, { model: group.taskModel });
    }
    function states(rows) {
        const all = [];
        for (let i = 0; i < rows.count; ++i)
            all.push(rows.objectAt(i).state);
        return all.join(" ");
    }

    function init() {
        failOnWarning(/.?/);
    }

    function test_rowsAndRoles() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const rows = rowsOf(pool);
        verify(pool.taskModel);
        compare(rows.count, 0);
        const first = deferred();
        pool.spawn("a", () => first.promise);
        pool.spawn("b", () => sleeping(10, 2));
        pool.spawn(() => { throw new Error("boom"); });
        tryCompare(rows, "count", 3);
        compare(states(rows), "running queued queued");
        compare(rows.objectAt(0).key, "a");
        compare(rows.objectAt(2).key, "");
        compare(rows.objectAt(1).elapsed, 0);
        compare(rows.objectAt(0).progress, -1);
        first.resolve(1);
        tryCompare(pool, "idle", true);
        tryVerify(() => states(rows) === "succeeded succeeded failed");
        verify(rows.objectAt(2).error.indexOf("boom") >= 0, rows.objectAt(2).error);
        compare(rows.objectAt(0).progress, 1);
        // Ended rows stay until the next round begins.
        compare(rows.count, 3);
        pool.spawn("c", () => sleeping(10, 3));
        tryVerify(() => rows.count === 1 && rows.objectAt(0).key === "c");
        tryCompare(pool, "idle", true);
    }

    function test_cancelRow() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const rows = rowsOf(pool);
        let started = 0;
        const first = deferred();
        pool.spawn(() => { ++started; return first.promise; });
        pool.spawn(() => { ++started; return sleeping(10, 2); });
        tryCompare(rows, "count", 2);
        verify(pool.taskModel.cancel(1)); // queued: never starts
        compare(states(rows), "running canceled");
        verify(!pool.taskModel.cancel(1)); // ended already
        first.resolve(1);
        tryCompare(pool, "idle", true);
        compare(started, 1);
        tryCompare(rows.objectAt(0), "state", "succeeded");
    }

    function test_limit() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 2, taskModelLimit: 2 });
        const rows = rowsOf(pool);
        const hold = deferred();
        pool.spawn("hold", () => hold.promise);
        for (let i = 0; i < 5; ++i)
            pool.spawn("t" + i, () => sleeping(1, i));
        // The oldest ended rows go: the two that ended last stay, with the one still running.
        tryVerify(() => pool.finishedCount === 5);
        tryVerify(() => rows.count === 3);
        compare(rows.objectAt(0).key, "hold");
        compare(states(rows), "running succeeded succeeded");
        hold.resolve(0);
        tryCompare(pool, "idle", true);
        ignoreWarning("AioUtils::Group::setTaskModelLimit: taskModelLimit -1 is negative; using 0 (none)");
        pool.taskModelLimit = -1;
        compare(pool.taskModelLimit, 0);
    }

    function test_requests() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 2, limitPerKey: 1 });
        const rows = rowsOf(pool);
        const ok = testServerUrl + "/echo/fine";
        const missing = testServerUrl + "/status/404";
        pool.spawn(Http.hostKey(ok), () => Http.request(ok).then(r => r.text));
        pool.spawn(Http.hostKey(missing), () => Http.request(missing).then(r => r.text));
        tryCompare(pool, "idle", true);
        tryVerify(() => states(rows) === "succeeded failed");
        compare(rows.objectAt(0).key, Http.hostKey(ok));
        compare(rows.objectAt(0).progress, 1);
        // The failure names the URL and the status.
        verify(rows.objectAt(1).error.indexOf("/status/404: HTTP 404") >= 0, rows.objectAt(1).error);
        verify(rows.objectAt(1).elapsed >= 0);
    }
}
