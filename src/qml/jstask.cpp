// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "jssettler_p.h"
#include "jstask_p.h"
#include "jstaskhost_p.h"
#include "qmlhttprequest.h"

#include <AioUtils/group.h>

#include <QtQml/qjsengine.h>
#include <QtQml/qjsmanagedvalue.h>

#include <utility>

namespace AioUtils {

namespace {

// `undefined` is no result: a function without a return value is the void task of JavaScript.
QFuture<QVariant> finishedFuture(const QJSValue &value)
{
    QPromise<QVariant> promise;
    promise.start();
    if (!value.isUndefined())
        promise.addResult(resultOf(value));
    promise.finish();
    return promise.future();
}

QFuture<QVariant> failedFuture(const QString &message)
{
    QPromise<QVariant> promise;
    promise.start();
    promise.setException(JsError(message));
    promise.finish();
    return promise.future();
}

QFuture<QVariant> canceledFuture()
{
    QPromise<QVariant> promise;
    promise.start();
    promise.future().cancel();
    promise.finish();
    return promise.future();
}

} // namespace

JsError::JsError(const QString &message) : m_what(message.toUtf8()) { }

const char *JsError::what() const noexcept
{
    return m_what.constData();
}

void JsError::raise() const
{
    throw *this;
}

JsError *JsError::clone() const
{
    return new JsError(*this);
}

QVariant resultOf(const QJSValue &value)
{
    // An object stays a JavaScript value: the bag's reference keeps it from the garbage collector
    // (a QObject* in a QVariant would not, and would dangle), QML reads back the same object, and
    // no user getter runs here (toVariant() would run them all, and one may throw).
    if (value.isObject())
        return QVariant::fromValue(value);
    return value.toVariant();
}

QString messageOf(const QJSValue &reason)
{
    if (reason.isError()) {
        const QString message = reason.property(QStringLiteral("message")).toString();
        if (!message.isEmpty())
            return message;
    }
    return reason.toString();
}

bool isThenable(QJSEngine *engine, const QJSValue &value)
{
    if (!value.isObject())
        return false;
    // Through QJSManagedValue: a `then` getter that throws leaves its exception on the engine
    // (QJSValue::property() would swallow it), and the caller makes it the task's failure.
    return QJSManagedValue(value, engine).property(QStringLiteral("then")).isCallable();
}

// A settler's method bound to its wrapper: the bound function keeps the wrapper, and with it the
// settler, alive for as long as the thenable holds the callback. (A bare method does not: the
// collector would delete the settler under it.)
QJSValue boundMethod(const QJSValue &wrapper, const QString &name)
{
    const QJSValue method = wrapper.property(name);
    return method.property(QStringLiteral("bind")).callWithInstance(method, { wrapper });
}

void subscribe(QJSEngine *engine, const QJSValue &thenable, const std::shared_ptr<JsTask> &task)
{
    // No parent: newQObject() gives the settler to the JavaScript heap, which deletes it once
    // the thenable has dropped the callbacks (after settling, or with the thenable itself).
    const QJSValue settler = engine->newQObject(new JsSettler(task));
    const QJSManagedValue then(thenable.property(QStringLiteral("then")), engine);
    then.callWithInstance(thenable,
                          { boundMethod(settler, QStringLiteral("resolve")),
                            boundMethod(settler, QStringLiteral("reject")) });
    if (engine->hasError())
        task->reject(engine->catchError());
}

JsTask::JsTask(const std::shared_ptr<JsTaskHostCore> &host) : m_host(host)
{
    m_promise.start();
    // The group cancels a running task through its future: the promise's, which this watcher
    // follows on the group's thread. (Not then(): the group follows this future too.)
    QObject::connect(&m_cancelWatcher, &QFutureWatcherBase::canceled, &m_cancelWatcher,
                     [this] { canceled(); });
    m_cancelWatcher.setFuture(m_promise.future());
}

// An unsettled promise is canceled and finished by its destructor.
JsTask::~JsTask() = default;

void JsTask::resolve(QJSEngine *engine, const std::shared_ptr<JsTask> &self, const QJSValue &value)
{
    if (m_settled)
        return;
    if (engine) {
        const bool thenable = isThenable(engine, value);
        if (engine->hasError()) { // a `then` getter that threw
            reject(engine->catchError());
            return;
        }
        if (thenable) {
            // A thenable resolving to a thenable: the task follows the inner one (Promises/A+).
            subscribe(engine, value, self);
            return;
        }
    }
    // forget() may delete this; `self` keeps it alive until the caller returns.
    settle([&] {
        if (!value.isUndefined())
            m_promise.addResult(resultOf(value));
    });
}

void JsTask::reject(const QJSValue &reason)
{
    if (m_settled)
        return;
    fail(messageOf(reason));
}

void JsTask::fail(const QString &message)
{
    if (m_settled)
        return;
    settle([&] { m_promise.setException(JsError(message)); });
}

void JsTask::settle(const std::function<void()> &report)
{
    m_settled = true;
    if (!m_promise.isCanceled()) // else canceled while this settlement was on its way
        report();
    m_promise.finish();
    if (const std::shared_ptr<JsTaskHostCore> host = m_host.lock())
        host->forget(this);
}

void JsTask::canceled()
{
    if (m_settled)
        return;
    m_settled = true;
    m_promise.finish();
    // Not forgotten here: that would destroy the watcher inside its own signal.
    const std::shared_ptr<JsTaskHostCore> host = m_host.lock();
    if (!host)
        return;
    QMetaObject::invokeMethod(
            host->group(),
            [weakHost = m_host, task = this] {
                if (const std::shared_ptr<JsTaskHostCore> alive = weakHost.lock())
                    alive->forget(task);
            },
            Qt::QueuedConnection);
}

JsTaskHostCore::~JsTaskHostCore()
{
    for (const std::shared_ptr<JsTask> &task : std::as_const(m_pending))
        task->abandon();
}

QFuture<QVariant> JsTaskHostCore::start(const QJSValue &fn,
                                        const std::shared_ptr<JsTaskHostCore> &self)
{
    QJSEngine *engine = qjsEngine(m_group);
    if (!engine)
        return failedFuture(QStringLiteral("spawn(): the group has no JavaScript engine (create "
                                           "it in QML)"));
    // A QJSManagedValue leaves what the function threw on the engine, so a thrown value is told
    // apart from a returned one (QJSValue::call() returns either alike).
    const QJSManagedValue function(fn, engine);
    // The requests the function starts belong to its task: `Http.get(url).then(parse)` returns a
    // promise made by then(), which knows nothing of the request behind it. Http.get() links its
    // request to the task this runs in (this is called inside the task, see JsTaskHost::spawn()),
    // so the group's cancel() and its end abort them, in C++, even while the group is being
    // destroyed and no JavaScript may run.
    const QJSValue value = function.call();
    if (engine->hasError())
        return failedFuture(messageOf(engine->catchError()));
    const bool thenable = isThenable(engine, value);
    if (engine->hasError()) // a `then` getter that threw
        return failedFuture(messageOf(engine->catchError()));
    // A task that ended at once leaves its requests alone; it can no longer be canceled.
    if (!thenable)
        return finishedFuture(value);

    // An Http.get() promise carries its request, which may have been started before this
    // function (`const p = Http.get(url); pool.spawn(() => p)`): it is the task's too.
    if (auto *request = qobject_cast<QmlHttpRequest *>(
                value.property(QStringLiteral("request")).toQObject())) {
        const detail::TaskRef task = detail::linkToCurrentTask(request->future());
        if (!request->task())
            request->setTask(task); // its reactions are the task's too
    }
    auto task = std::make_shared<JsTask>(self);
    m_pending.insert(task.get(), task);
    const QFuture<QVariant> future = task->future();
    subscribe(engine, value, task);
    return future;
}

void JsTaskHostCore::forget(JsTask *task)
{
    const auto it = m_pending.constFind(task);
    if (it != m_pending.cend() && it.value()->isSettled())
        m_pending.erase(it);
}

JsSettler::JsSettler(const std::shared_ptr<JsTask> &task) : m_task(task) { }

JsSettler::~JsSettler() = default;

void JsSettler::resolve(const QJSValue &value)
{
    if (const std::shared_ptr<JsTask> task = m_task.lock())
        task->resolve(qjsEngine(this), task, value);
}

void JsSettler::reject(const QJSValue &reason)
{
    if (const std::shared_ptr<JsTask> task = m_task.lock())
        task->reject(reason);
}

JsTaskHost::JsTaskHost(Group *group)
    : m_group(group), m_core(std::make_shared<JsTaskHostCore>(group))
{
}

JsTaskHost::~JsTaskHost() = default;

void JsTaskHost::spawn(const QJSValue &fn, const Key &key, detail::KeyMode mode)
{
    if (!fn.isCallable()) {
        const char *name = mode == detail::KeyMode::Once ? "spawnOnce"
                : mode == detail::KeyMode::Latest        ? "spawnLatest"
                                                         : "spawn";
        if (QJSEngine *engine = qjsEngine(m_group))
            engine->throwError(QJSValue::TypeError,
                               QStringLiteral("%1(): the argument is not a function")
                                       .arg(QLatin1String(name)));
        return;
    }
    // A group may outlive its engine (a root object held in C++). Then its queued functions can
    // never run and its promises never settle: the engine's end cancels the group.
    if (!std::exchange(m_followsEngine, true)) {
        if (QJSEngine *engine = qjsEngine(m_group))
            QObject::connect(engine, &QObject::destroyed, m_group,
                             [group = m_group] { group->cancel(); });
    }
    // Future-returning work: called on the group's thread (the engine's) once a slot is free.
    auto work = [weakCore = std::weak_ptr<JsTaskHostCore>(m_core), fn] {
        if (const std::shared_ptr<JsTaskHostCore> core = weakCore.lock())
            return core->start(fn, core);
        return canceledFuture();
    };
    switch (mode) {
    case detail::KeyMode::Plain:
        m_group->Group::spawn(key, std::move(work));
        break;
    case detail::KeyMode::Once:
        m_group->Group::spawnOnce(key, std::move(work));
        break;
    case detail::KeyMode::Latest:
        m_group->Group::spawnLatest(key, std::move(work));
        break;
    }
}

} // namespace AioUtils
