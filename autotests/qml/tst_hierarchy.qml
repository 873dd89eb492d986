// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

import QtQuick
import QtTest
import AioUtils

// The QML types follow the C++ hierarchy: a Pool (or a Bag) is a Group, an OrderedBag is a Bag,
// so typed properties take them and a reusable component can work with "any group".
TestCase {
    id: testCase
    name: "Hierarchy"

    function init() {
        failOnWarning(/.?/);
    }

    property Group poolAsGroup: Pool { size: 2 }
    property Group bagAsGroup: Bag {}
    property Bag orderedAsBag: OrderedBag {}

    // A component that runs some work in whatever group it is given.
    Component {
        id: worker
        QtObject {
            required property Group group
            function run(count) {
                for (let i = 0; i < count; ++i)
                    group.spawn(() => i);
            }
        }
    }

    function test_poolInAGroupProperty() {
        compare(poolAsGroup.size, 2);
        compare(poolAsGroup.maxConcurrency, 2);
        for (let i = 0; i < 5; ++i)
            poolAsGroup.spawn(() => new Promise((resolve) => resolve(i)));
        tryCompare(poolAsGroup, "idle", true);
        compare(poolAsGroup.finishedCount, 5);
    }

    function test_orderedBagInABagProperty() {
        orderedAsBag.spawn(() => new Promise((resolve) => Qt.callLater(() => resolve("first"))));
        orderedAsBag.put("second");
        orderedAsBag.spawn(() => "third");
        tryCompare(orderedAsBag, "idle", true);
        compare(orderedAsBag.takeAll(), ["first", "second", "third"]);
    }

    function test_bagInAGroupProperty() {
        bagAsGroup.spawn(() => 7);
        tryCompare(bagAsGroup, "idle", true);
        compare(bagAsGroup.bufferedCount, 1);
        compare(bagAsGroup.takeAll(), [7]);
    }

    function test_reusableComponentTakesAnyGroup_data() {
        return [
            { tag: "Group", source: "import AioUtils; Group {}" },
            { tag: "Pool", source: "import AioUtils; Pool { size: 1 }" },
            { tag: "Bag", source: "import AioUtils; Bag {}" },
            { tag: "OrderedBag", source: "import AioUtils; OrderedBag { maxConcurrency: 2 }" },
        ];
    }

    function test_reusableComponentTakesAnyGroup(data) {
        const group = Qt.createQmlObject(data.source, testCase);
        const user = worker.createObject(testCase, { group: group });
        verify(user);
        user.run(4);
        tryCompare(group, "idle", true);
        compare(group.finishedCount, 4);
        user.destroy();
        group.destroy();
    }

    function test_groupIsNotABag() {
        let message = "";
        try {
            Qt.createQmlObject("import AioUtils; import QtQml; QtObject { property Bag bag: Group {} }",
                               testCase);
        } catch (error) {
            message = error.qmlErrors.map((e) => e.message).join("; ");
        }
        verify(message.length > 0, "a Group was accepted as a Bag");
    }
}
