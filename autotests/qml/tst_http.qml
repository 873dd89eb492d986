// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// Http.get() and Http.request() against the local test server (testServer, testServerUrl from tst_qml.cpp).
TestCase {
    id: testCase
    name: "Http"

    function init() {
        failOnWarning(/.?/);
    }

    Component { id: bagComponent; Bag {} }
    Component { id: poolComponent; Pool {} }
    Component {
        id: page
        Item {
            property alias pool: pool
            Pool { id: pool; size: 2 }
        }
    }
    Loader {
        id: loader
        active: false
        sourceComponent: page
    }

    function test_getResolvesWithTheBody() {
        let body = null;
        const promise = Http.get(testServerUrl + "/hello");
        verify(promise instanceof Promise);
        compare(promise.request.url, testServerUrl + "/hello");
        promise.then(text => body = text);
        tryVerify(() => body !== null);
        compare(body, "h\u00e9llo w\u00f6rld \u2713");
        verify(promise.request.finished);

        // Nobody holds the promise: it settles all the same.
        let again = null;
        Http.get(testServerUrl + "/echo/unheld").then(text => again = text);
        gc();
        tryVerify(() => again !== null);
        compare(again, "unheld");
    }

    function test_requestResolvesWithTheResponse() {
        let response = null;
        Http.request(testServerUrl + "/redirect/hello").then(r => response = r);
        tryVerify(() => response !== null);
        compare(response.status, 200);
        compare(response.url, testServerUrl + "/hello"); // after the redirect
        compare(response.contentType, "text/plain");
        compare(response.headers["content-type"], "text/plain; charset=utf-8");
        compare(response.text, "h\u00e9llo w\u00f6rld \u2713");
        compare(response.bytes, 17); // 14 characters; in UTF-8 é and ö take 2 bytes, ✓ 3
    }

    function test_requestRejectsWithTheResponse() {
        let error = null;
        Http.request(testServerUrl + "/status/404", { retry: { maxAttempts: 3 } })
            .catch(e => error = e);
        tryVerify(() => error !== null);
        compare(error.status, 404);
        compare(error.response.status, 404);
        compare(error.response.text, "status 404");
        compare(error.response.headers["x-status"], "404");

        // No answer: no response.
        let refused = null;
        Http.request("http://127.0.0.1:1/").catch(e => refused = e);
        tryVerify(() => refused !== null);
        compare(refused.status, 0);
        compare(refused.response, undefined);
    }

    function test_requestRetries() {
        const before = testServer.requestCount;
        let response = null;
        const options = { retry: { maxAttempts: 3, initialBackoffMs: 10, maxBackoffMs: 50 } };
        Http.request(testServerUrl + "/flaky/a", options).then(r => response = r);
        tryVerify(() => response !== null);
        compare(response.text, "recovered");
        compare(testServer.requestCount - before, 3);

        // Without retries the first 503 is the answer.
        let error = null;
        Http.request(testServerUrl + "/flaky/b").catch(e => error = e);
        tryVerify(() => error !== null);
        compare(error.status, 503);
    }

    function test_requestSendsABody() {
        let response = null;
        Http.request(testServerUrl + "/method", { body: "x=1", headers: { "X-A": "b" } })
            .then(r => response = r);
        tryVerify(() => response !== null);
        compare(response.text, "POST x=1");
        response = null;
        Http.request(testServerUrl + "/method", { method: "get" }).then(r => response = r);
        tryVerify(() => response !== null);
        compare(response.text, "GET ");
    }

    function test_requestInAPool() {
        const bag = createTemporaryObject(bagComponent, testCase, { maxConcurrency: 2 });
        const statuses = [];
        bag.resultReady.connect(response => statuses.push(response.status));
        for (let i = 0; i < 4; ++i)
            bag.spawn(() => Http.request(testServerUrl + "/echo/p" + i));
        tryCompare(bag, "idle", true, 10000);
        compare(statuses, [200, 200, 200, 200]);
    }

    function test_requestBadOptions_data() {
        return [
            { tag: "unknown", options: { timeout: 5 }, message: "unknown option \"timeout\"" },
            { tag: "not a number", options: { retry: { maxAttempts: "3" } },
              message: "option \"maxAttempts\" must be a whole number" },
            { tag: "fraction", options: { timeoutMs: 2.5 },
              message: "option \"timeoutMs\" must be a whole number" },
            { tag: "unknown retry", options: { retry: { attempts: 3 } },
              message: "unknown retry option \"attempts\"" },
            { tag: "not an object", options: "fast", message: "must be an object" },
            { tag: "body", options: { body: { a: 1 } },
              message: "option \"body\" must be a string or an ArrayBuffer" },
            { tag: "headers array", options: { headers: ["X-A"] },
              message: "option \"headers\" must be an object" },
            { tag: "header value", options: { headers: { "X-A": "a\r\nX-B: b" } },
              message: "header \"X-A\" is not a valid" },
            { tag: "method", options: { method: "GET /x HTTP/1.1\r\n" },
              message: "option \"method\" must be an HTTP method" },
            { tag: "file", options: {}, url: "file:///etc/passwd",
              message: "only http and https URLs are fetched" },
        ];
    }

    function test_requestBadOptions(data) {
        const before = testServer.requestCount;
        let error = null;
        Http.request(data.url || testServerUrl + "/hello", data.options).catch(e => error = e);
        tryVerify(() => error !== null);
        verify(error.message.indexOf("Http.request(): ") >= 0, error.message);
        verify(error.message.indexOf(data.message) >= 0, error.message);
        compare(testServer.requestCount, before);
    }

    function test_404Rejects() {
        let error = null;
        const url = testServerUrl + "/missing";
        Http.get(url).catch(e => error = e);
        tryVerify(() => error !== null);
        verify(error instanceof Error);
        compare(error.status, 404);
        compare(error.url, url);
        verify(error.message.indexOf("404") >= 0, error.message);
        verify(error.message.indexOf(url) >= 0, error.message);
    }

    function test_poolOfRequests() {
        const bag = createTemporaryObject(bagComponent, testCase, { maxConcurrency: 2 });
        const results = [];
        const messages = [];
        bag.resultReady.connect(result => results.push(result));
        bag.taskFailed.connect(message => messages.push(message));
        testServer.resetMaxInFlight();
        for (let i = 0; i < 6; ++i)
            bag.spawn(() => Http.get(testServerUrl + "/echo/page" + i + "?delay=" + (10 + i * 5)));
        bag.spawn(() => Http.get(testServerUrl + "/nothing-here"));
        gc();
        tryCompare(bag, "idle", true, 10000);
        compare(results.slice().sort(), ["page0", "page1", "page2", "page3", "page4", "page5"]);
        compare(bag.failedCount, 1);
        compare(messages.length, 1);
        verify(messages[0].indexOf("HTTP 404") >= 0, messages[0]);
        verify(testServer.maxInFlight <= 2, testServer.maxInFlight);
    }

    function test_cancelAbortsTheRequest() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const aborted = testServer.abortedCount;
        pool.spawn(() => Http.get(testServerUrl + "/slow"));
        pool.spawn(() => Http.get(testServerUrl + "/hello")); // queued: never requested
        tryCompare(testServer, "inFlight", 1);
        const requests = testServer.requestCount;
        pool.cancel();
        verify(pool.idle);
        tryCompare(testServer, "abortedCount", aborted + 1);
        compare(testServer.inFlight, 0);
        compare(testServer.requestCount, requests);
        compare(pool.failedCount, 0);
    }

    function test_destroyingThePoolAbortsTheRequest() {
        const aborted = testServer.abortedCount;
        loader.active = true;
        loader.item.pool.spawn(() => Http.get(testServerUrl + "/slow"));
        tryCompare(testServer, "inFlight", 1);
        loader.active = false;
        tryCompare(testServer, "abortedCount", aborted + 1);
        compare(testServer.inFlight, 0);
        wait(0);
    }

    // A promise made by then() has no request of its own: the task still owns the request its
    // function started.
    function test_cancelAbortsADerivedRequest() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const aborted = testServer.abortedCount;
        let parsed = false;
        pool.spawn(() => Http.get(testServerUrl + "/slow").then(body => {
            parsed = true;
            return body.length;
        }));
        tryCompare(testServer, "inFlight", 1);
        pool.cancel();
        verify(pool.idle);
        tryCompare(testServer, "abortedCount", aborted + 1);
        compare(testServer.inFlight, 0);
        compare(pool.failedCount, 0);
        wait(0); // the rejection reaches the then() and our settler, and does nothing
        verify(!parsed);
    }

    function test_destroyingThePoolAbortsADerivedRequest() {
        const aborted = testServer.abortedCount;
        loader.active = true;
        loader.item.pool.spawn(() => Http.get(testServerUrl + "/slow").then(body => body.length));
        tryCompare(testServer, "inFlight", 1);
        loader.active = false;
        tryCompare(testServer, "abortedCount", aborted + 1);
        compare(testServer.inFlight, 0);
        wait(0);
    }

    function test_cancelAbortsEveryRequestOfTheTask() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const aborted = testServer.abortedCount;
        pool.spawn(() => Promise.all([
            Http.get(testServerUrl + "/slow"),
            Http.get(testServerUrl + "/slow").then(body => body.length)
        ]));
        tryCompare(testServer, "inFlight", 2);
        pool.cancel();
        tryCompare(testServer, "abortedCount", aborted + 2);
        compare(testServer.inFlight, 0);
        compare(pool.failedCount, 0);
        wait(0);
    }

    // A request started in a reaction of the task's own promises is the task's too.
    function test_cancelAbortsARequestOfAReaction() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const aborted = testServer.abortedCount;
        let second = null;
        pool.spawn(() => Http.get(testServerUrl + "/hello").then(() => {
            second = Http.get(testServerUrl + "/slow");
            return second;
        }).then(body => body.length));
        tryVerify(() => second !== null);
        tryCompare(testServer, "inFlight", 1);
        pool.cancel();
        tryCompare(testServer, "abortedCount", aborted + 1);
        compare(testServer.inFlight, 0);
        compare(pool.failedCount, 0);
        wait(0);
    }

    // taskTimeout aborts the task's requests, and fails the task.
    function test_timeoutAbortsTheRequest() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1, taskTimeout: 100 });
        const aborted = testServer.abortedCount;
        const messages = [];
        pool.taskFailed.connect(message => messages.push(message));
        pool.spawn(() => Http.get(testServerUrl + "/hello").then(() => Http.get(testServerUrl + "/slow")));
        tryCompare(pool, "idle", true, 10000);
        compare(pool.failedCount, 1);
        compare(messages, ["task timed out after 100 ms (taskTimeout)"]);
        compare(pool.failures(), messages);
        tryCompare(testServer, "abortedCount", aborted + 1);
        compare(testServer.inFlight, 0);
        wait(0);
    }

    // A task's requests are canceled with the task, not when it settles.
    function test_ownershipEndsWithTheSynchronousPart() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        const aborted = testServer.abortedCount;
        let late = null;
        let inner = null;
        pool.spawn(() => {
            // Still running after the task has resolved: not canceled by the settlement.
            Http.get(testServerUrl + "/echo/late?delay=200").then(text => late = text);
            return Http.get(testServerUrl + "/hello").then(() => {
                // Started in a reaction: the task's, but the task succeeds right after.
                inner = Http.get(testServerUrl + "/echo/inner?delay=200");
                return 1;
            });
        });
        tryCompare(pool, "idle", true);
        compare(pool.finishedCount, 1);
        pool.cancel();
        tryVerify(() => late !== null, 5000);
        compare(late, "late");
        let innerText = null;
        inner.then(text => innerText = text);
        tryVerify(() => innerText !== null, 5000);
        compare(innerText, "inner");
        compare(testServer.abortedCount, aborted);
    }

    function test_abortThroughTheRequest() {
        const aborted = testServer.abortedCount;
        let error = null;
        const promise = Http.get(testServerUrl + "/slow");
        promise.catch(e => error = e);
        tryCompare(testServer, "inFlight", 1);
        promise.request.abort();
        tryVerify(() => error !== null);
        compare(error.status, 0);
        verify(error.message.indexOf("canceled") >= 0, error.message);
        tryCompare(testServer, "abortedCount", aborted + 1);
    }

    // cancel() while the task's promise has already settled and its reaction is queued: the
    // request the function started is still aborted (or never reaches the server).
    function test_cancelWithASettlementOnItsWay() {
        const pool = createTemporaryObject(poolComponent, testCase, { size: 1 });
        let started = null;
        pool.spawn(() => {
            started = Http.get(testServerUrl + "/slow");
            return Promise.resolve(2);
        });
        pool.cancel();
        verify(pool.idle);
        tryVerify(() => started.request.finished, 5000);
        tryCompare(testServer, "inFlight", 0);
        compare(pool.failedCount, 0);
    }

    // No local files, as with XMLHttpRequest in QML.
    function test_onlyWebUrls() {
        let message = "";
        Http.get("file:///etc/hostname").then(() => { message = "fetched"; },
                                              error => { message = error.message; });
        tryVerify(() => message !== "");
        verify(message.indexOf("only http and https") >= 0, message);
    }
}

