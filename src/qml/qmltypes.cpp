// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "qmltypes.h"

#include "jstask_p.h"

#include <AioUtils/detail/tasklink.h>

#include <QtCore/qfuturewatcher.h>
#include <QtQml/qjsengine.h>

namespace AioUtils {

/*!
    \qmltype Group
    \inqmlmodule AioUtils
    \brief AioUtils::Group for QML: spawn JavaScript functions, follow them with properties.

    Same properties and signals as the C++ class: \c maxConcurrency (0: unlimited),
    \c failurePolicy (\c Group.ContinueOnFailure, \c Group.CancelOnFailure), the counters
    \c spawnedCount, \c queuedCount, \c runningCount, \c finishedCount, \c failedCount, \c idle,
    \c paused (queued functions wait while it is true), \c taskTimeout (milliseconds, 0: none; a
    task whose promise has not settled that long after its function was called fails with
    "task timed out after N ms (taskTimeout)", and its Http.get() requests are aborted), the
    per-key rules of keyed tasks \c limitPerKey, \c rateLimitPerKey and the group's
    \c rateLimit (starts per second, 0: none), and the signals \c taskFailed(message) and
    \c finished(). \c cancel() cancels the round.

    \code
    Group {
        id: group
        onTaskFailed: (message) => console.warn(message)
        onFinished: console.log("done:", finishedCount)
    }
    // …
    group.spawn(() => Http.get(url))
    \endcode

    Destroying the group (with its item, say through a Loader) cancels its tasks; promises that
    settle later are ignored.
*/

/*!
    \qmlmethod void Group::spawn(function fn)

    Calls \a fn without arguments once a slot is free (at once in an unlimited group), on the
    engine's thread. What it returns is the task's result (\c undefined: none, as a C++ void
    task; a Bag keeps no result for it). If that is a Promise, or any thenable
    (an object with a callable \c then), the task runs until it settles: it succeeds with the
    value it resolves to, or fails when it rejects. A failure's message (taskFailed(message)) is
    the message of an \c Error, or the string of any other value; a value \a fn throws is a
    failure the same way. A queued \a fn is not called before its slot is free, so a Pool limits
    how many promises are pending at once.

    A canceled task (cancel(), \c CancelOnFailure, \c taskTimeout, the group destroyed) ignores
    how its promise settles later. JavaScript promises cannot be canceled; a promise from
    Http.get() can, and is aborted with its task (see Http), including one started in a reaction
    of the task's own Http.get() promises.

    Not a function: a TypeError is thrown.
*/

GroupExtension::GroupExtension(QObject *group)
    : QObject(group), m_tasks(qobject_cast<Group *>(group))
{
}

GroupExtension::~GroupExtension() = default;

void GroupExtension::spawn(const QJSValue &fn)
{
    m_tasks.spawn(fn);
}

/*!
    \qmlmethod void Group::spawn(string key, function fn)

    A keyed task: as spawn(fn), under the group's per-key rules for \a key (\c limitPerKey,
    \c rateLimitPerKey), so that at most that many tasks of one key (a host, say) run at once or
    start per second, while tasks of other keys behind them go on. An empty \a key is no key.

    \code
    Pool {
        id: pool
        size: 8
        limitPerKey: 2
    }
    // ...
    pool.spawn(url.host, () => Http.get(url))
    \endcode
*/
void GroupExtension::spawn(const QString &key, const QJSValue &fn)
{
    m_tasks.spawn(fn, Key(key));
}

/*!
    \qmlmethod void Group::spawnOnce(string key, function fn)

    Single flight: while a task of \a key is queued or running in this group, does nothing, and
    \a fn is not called (that task's result stands for this call too, in a Bag once); else
    spawn(key, fn).
*/
void GroupExtension::spawnOnce(const QString &key, const QJSValue &fn)
{
    m_tasks.spawn(fn, Key(key), detail::KeyMode::Once);
}

/*!
    \qmlmethod void Group::spawnLatest(string key, function fn)

    Latest wins: cancels every queued or running task of \a key (a pending Http.get() of theirs
    is aborted), then spawns \a fn as spawn(key, fn) does. For type-ahead search: only the last
    query's task runs on.
*/
void GroupExtension::spawnLatest(const QString &key, const QJSValue &fn)
{
    m_tasks.spawn(fn, Key(key), detail::KeyMode::Latest);
}

/*!
    \qmlmethod list<string> Group::failures()

    The messages of every failure of the current (or last) round, in the order they happened:
    the same messages as \c taskFailed(message). A new round starts with none.
*/
QStringList GroupExtension::failures() const
{
    QStringList messages;
    for (const std::exception_ptr &failure : static_cast<const Group *>(parent())->failures())
        messages.append(detail::failureMessage(failure));
    return messages;
}

/*!
    \qmltype Pool
    \inqmlmodule AioUtils
    \brief AioUtils::Pool for QML: a Group that runs at most \c size functions at once.

    \c size (the same value as \c maxConcurrency) is 4 unless set; below 1 it warns and is 1.
    Queued functions are called in spawn order as slots free up; a function that returned a
    promise holds its slot until the promise settles.

    \code
    Pool {
        id: pool
        size: 3
    }
    Text { text: pool.finishedCount + " of " + pool.spawnedCount }
    \endcode
*/

QmlPool::QmlPool(QObject *parent) : Pool(4, parent) { }

QmlPool::~QmlPool() = default;

/*!
    \qmltype Bag
    \inqmlmodule AioUtils
    \brief AioUtils::Bag for QML: a Group whose results are kept and shown.

    Every result (what a function returned, what its promise resolved to, every put() value) is
    emitted as \c resultReady(result) and retained in \c model (a list model with the role
    \c result) until takeAll() takes it. \c maxConcurrency limits how many functions run at once
    (0, the default: unlimited); \c bufferLimit holds back queued functions while that many
    results are retained; \c bufferedCount counts them.

    \code
    Bag {
        id: bag
        maxConcurrency: 4
        onResultReady: (result) => console.log(result)
    }
    ListView {
        model: bag.model
        delegate: Text { required property var result; text: result }
    }
    \endcode
*/

/*!
    \qmlmethod void Bag::put(var value)

    Adds \a value as a result of its own. An object (a QObject too) is kept as the JavaScript value
    it is, which keeps it from the garbage collector until it is taken; other values are converted
    as QJSValue::toVariant() does. Task results are kept the same way.
*/

/*!
    \qmlmethod list Bag::takeAll()

    Takes every retained result and returns them; they leave the model. Never waits.
*/

BagExtension::BagExtension(QObject *bag) : GroupExtension(bag), m_bag(qobject_cast<Bag *>(bag)) { }

BagExtension::~BagExtension() = default;

void BagExtension::put(const QJSValue &value)
{
    m_bag->put(resultOf(value));
}

QVariantList BagExtension::takeAll()
{
    return m_bag->takeAll();
}

/*!
    \qmlmethod Promise Bag::nextResult()
    Returns a Promise of the next result (the C++ Bag::nextResult()): each result goes to one
    call, in the order of the calls, and nothing blocks. Once the round has ended with nothing
    left, the promise resolves to \c undefined (no result is \c undefined: a function returning
    it gives none); the first one after the last result rejects with the round's failure instead,
    an \c Error with its message. Destroying the bag resolves pending promises to \c undefined.
    \code
    function showNext() {
        bag.nextResult().then(page => {
            if (page === undefined)
                return; // the round has ended
            pages.append({ title: page.title });
            showNext();
        }, error => status.text = error.message);
    }
    \endcode
*/
QJSValue BagExtension::nextResult()
{
    QJSEngine *engine = qjsEngine(m_bag);
    if (!engine) {
        qWarning("AioUtils: Bag.nextResult() needs a bag that QML knows (created in QML, or "
                 "passed to it); returning undefined");
        return {};
    }
    if (m_makeDeferred.isUndefined()) {
        m_makeDeferred = engine->evaluate(
                QStringLiteral("(function () { const d = {}; d.promise = new Promise("
                               "function (resolve, reject) { d.resolve = resolve; "
                               "d.reject = reject; }); return d; })"),
                QStringLiteral("aioutils-nextresult.js"));
    }
    const QJSValue deferred = m_makeDeferred.call();
    const auto settle = [engine, deferred](QFuture<QVariant> future) {
        try {
            // First: a failed QFuture counts as canceled too.
            future.waitForFinished();
            const QJSValue value =
                    future.isCanceled() ? QJSValue() : engine->toScriptValue(future.result());
            deferred.property(QStringLiteral("resolve")).call({ value });
        } catch (...) {
            const QString message = detail::failureMessage(std::current_exception());
            deferred.property(QStringLiteral("reject"))
                    .call({ engine->newErrorObject(QJSValue::GenericError, message) });
        }
    };
    const QFuture<QVariant> future = m_bag->nextResult();
    if (future.isFinished()) {
        settle(future);
    } else {
        // Owned by the engine, not the bag: the bag's end cancels the future, which settles the
        // promise after the bag is gone.
        auto *watcher = new QFutureWatcher<QVariant>(engine);
        QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [watcher, settle] {
            settle(watcher->future());
            watcher->deleteLater();
        });
        watcher->setFuture(future);
    }
    return deferred.property(QStringLiteral("promise"));
}

/*!
    \qmltype OrderedBag
    \inqmlmodule AioUtils
    \brief A Bag that delivers results in spawn order.

    The API of Bag. A result that settles early waits until those spawned before it are
    delivered; put() takes the next place in that order when it is called; failed and canceled
    tasks leave no gap.
*/

} // namespace AioUtils
