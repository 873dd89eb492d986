// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// An item holding a running Pool, destroyed through a Loader: no crash, no warning, and promises
// settling afterwards do nothing.
TestCase {
    id: testCase
    name: "Loader"

    Component { id: timerComponent; Timer {} }

    function later(ms, fn) {
        const timer = timerComponent.createObject(testCase, { interval: ms });
        timer.triggered.connect(() => { timer.destroy(); fn(); });
        timer.start();
    }

    function init() {
        failOnWarning(/.?/);
    }

    Component {
        id: page
        Item {
            property alias pool: pool
            property alias bag: bag
            property int results: 0
            Pool {
                id: pool
                size: 2
                onTaskFailed: (message) => console.warn("unexpected failure:", message)
            }
            Bag {
                id: bag
                maxConcurrency: 1
                onResultReady: (result) => ++results
            }
            Text { text: pool.finishedCount + " " + bag.bufferedCount }
        }
    }
    Loader {
        id: loader
        active: false
        sourceComponent: page
    }

    function test_destroyedMidRound() {
        for (let round = 0; round < 3; ++round) {
            loader.active = true;
            const pool = loader.item.pool;
            const bag = loader.item.bag;
            let called = 0;
            let settled = 0;
            for (let i = 0; i < 6; ++i) {
                const work = () => {
                    ++called;
                    return new Promise((resolve, reject) => later(30, () => {
                        if (i % 2)
                            resolve(i);
                        else
                            reject(new Error("late failure " + i));
                        ++settled;
                    }));
                };
                pool.spawn(work);
                bag.spawn(work);
            }
            compare(called, 3); // 2 in the pool, 1 in the bag
            loader.active = false; // destroys the item, its Pool and its Bag
            gc();
            tryVerify(() => settled === 3);
            wait(0); // the promise reactions, ours among them, are posted events
            compare(called, 3);
        }
    }
}
