// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The QML types from C++: a group created by QML that outlives its engine (a root object the
// application keeps) must not be left with tasks that can never end.

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtCore/QPointer>
#include <QtCore/QPromise>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>
#include <QtTest/QTest>

#include <memory>

class tst_QmlEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupOutlivesItsEngine();
    void groupsMadeInCppAreGroupsInQml_data();
    void groupsMadeInCppAreGroupsInQml();
};

// Two functions whose promises never settle are running and one is queued when the engine goes:
// its end cancels the group, which is idle at once and never calls the queued function.
void tst_QmlEngine::groupOutlivesItsEngine()
{
    auto engine = std::make_unique<QQmlEngine>();
    engine->addImportPath(QStringLiteral(AIOUTILS_QML_IMPORT_PATH));
    QQmlComponent component(engine.get());
    component.setData(QByteArrayLiteral(R"qml(
import QtQml
import AioUtils
Pool {
    size: 2
    property int called: 0
    Component.onCompleted: {
        for (let i = 0; i < 3; ++i)
            spawn(() => { ++called; return new Promise(() => {}); })
    }
}
)qml"),
                      QUrl());
    std::unique_ptr<QObject> root(component.create());
    QVERIFY2(root, qPrintable(component.errorString()));
    // C++ owns the root object, so it outlives the engine.
    QQmlEngine::setObjectOwnership(root.get(), QQmlEngine::CppOwnership);
    auto *pool = qobject_cast<AioUtils::Group *>(root.get());
    QVERIFY(pool);
    QTRY_COMPARE(pool->runningCount(), 2);
    QCOMPARE(pool->queuedCount(), 1);

    engine.reset();
    QVERIFY(pool->isIdle());
    QCOMPARE(pool->finishedCount(), 3);
    QCOMPARE(pool->failedCount(), 0);
    QVERIFY(pool->join(QDeadlineTimer(5000)));
    // Let the cancel's aftermath run: nothing may touch the dead engine.
    QTest::qWait(0);
    QCOMPARE(pool->runningCount(), 0);
    root.reset();
}

void tst_QmlEngine::groupsMadeInCppAreGroupsInQml_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("Group") << QStringLiteral("Group");
    QTest::newRow("Pool") << QStringLiteral("Pool");
    QTest::newRow("Bag") << QStringLiteral("Bag");
    QTest::newRow("OrderedBag") << QStringLiteral("OrderedBag");
}

// A group made in C++ (a plain AioUtils::Pool, say) handed to QML is a Group there: a typed
// property takes it, and QML reads its properties and cancels it. (spawn(fn) is for groups made
// in QML: QML makes no extension object for a C++ one.)
void tst_QmlEngine::groupsMadeInCppAreGroupsInQml()
{
    QFETCH(QString, kind);
    std::unique_ptr<AioUtils::Group> group;
    if (kind == QLatin1String("Group"))
        group = std::make_unique<AioUtils::Group>();
    else if (kind == QLatin1String("Pool"))
        group = std::make_unique<AioUtils::Pool>(2);
    else if (kind == QLatin1String("Bag"))
        group = std::make_unique<AioUtils::Bag>();
    else
        group = std::make_unique<AioUtils::OrderedBag>();
    QPromise<int> running;
    running.start();
    group->spawn(running.future());

    QQmlEngine engine;
    engine.addImportPath(QStringLiteral(AIOUTILS_QML_IMPORT_PATH));
    QQmlComponent component(&engine);
    component.setData(QByteArrayLiteral(R"qml(
import QtQml
import AioUtils
QtObject {
    required property Group group
    readonly property int running: group.runningCount
    function stop() { group.cancel(); }
}
)qml"),
                      QUrl());
    std::unique_ptr<QObject> user(component.createWithInitialProperties(
            { { QStringLiteral("group"), QVariant::fromValue<QObject *>(group.get()) } }));
    QVERIFY2(user, qPrintable(component.errorString()));
    QCOMPARE(user->property("running").toInt(), 1);
    QVERIFY(QMetaObject::invokeMethod(user.get(), "stop"));
    QVERIFY(group->isIdle());
    QCOMPARE(user->property("running").toInt(), 0);
    user.reset();
}

QTEST_GUILESS_MAIN(tst_QmlEngine)
#include "tst_qmlengine.moc"
