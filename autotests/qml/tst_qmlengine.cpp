// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The QML types from C++: a group created by QML that outlives its engine (a root object the
// application keeps) must not be left with tasks that can never end.

#include <AioUtils/Group>

#include <QtCore/QPointer>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>
#include <QtTest/QTest>

#include <memory>

class tst_QmlEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void groupOutlivesItsEngine();
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

QTEST_GUILESS_MAIN(tst_QmlEngine)
#include "tst_qmlengine.moc"
