// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// ListView { model: bag.model } shows retained results; takeAll() removes them.
TestCase {
    id: testCase
    name: "Model"
    when: windowShown
    width: 200
    height: 300

    function init() {
        failOnWarning(/.?/);
    }

    OrderedBag {
        id: bag
    }

    ListView {
        id: list
        anchors.fill: parent
        model: bag.model
        delegate: Text {
            required property var result
            height: 20
            text: String(result)
        }
    }

    function test_rowsAppear() {
        compare(list.count, 0);
        bag.spawn(() => "first");
        bag.spawn(() => new Promise(resolve => resolve("second")));
        bag.put("third");
        tryCompare(list, "count", 3);
        tryVerify(() => list.itemAtIndex(2) !== null);
        compare(list.itemAtIndex(0).text, "first");
        compare(list.itemAtIndex(1).text, "second");
        compare(list.itemAtIndex(2).text, "third");
        compare(bag.takeAll(), ["first", "second", "third"]);
        tryCompare(list, "count", 0);
    }
}
