// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// One JavaScript task of a QML group, and what the group's host keeps of them. Not API.

#ifndef AIOUTILS_JSTASK_P_H
#define AIOUTILS_JSTASK_P_H

#include <QtCore/qexception.h>
#include <QtCore/qfuture.h>
#include <QtCore/qfuturewatcher.h>
#include <QtCore/qhash.h>
#include <QtCore/qlist.h>
#include <QtCore/qpromise.h>
#include <QtCore/qvariant.h>
#include <QtQml/qjsvalue.h>

#include <functional>
#include <memory>
#include <utility>

QT_BEGIN_NAMESPACE
class QJSEngine;
QT_END_NAMESPACE

namespace AioUtils {

class Group;
class JsTaskHostCore;

// A JavaScript failure (a thrown value, a rejection) as the exception of a task's future, so
// taskFailed(message) and firstFailure() carry the JavaScript message.
class JsError : public QException
{
public:
    explicit JsError(const QString &message);
    const char *what() const noexcept override;
    void raise() const override;
    JsError *clone() const override;

private:
    QByteArray m_what;
};

// A task whose function returned a thenable: its future is the one the group follows, settled
// when the thenable settles, or canceled by the group first.
class JsTask
{
public:
    explicit JsTask(const std::shared_ptr<JsTaskHostCore> &host);
    ~JsTask();
    JsTask(const JsTask &) = delete;
    JsTask &operator=(const JsTask &) = delete;

    QFuture<QVariant> future() const { return m_promise.future(); }
    bool isSettled() const { return m_settled; }

    void resolve(QJSEngine *engine, const std::shared_ptr<JsTask> &self, const QJSValue &value);
    void reject(const QJSValue &reason);
    void fail(const QString &message);
    // The group is going away (its end cancels the task's Http.get() requests, see
    // JsTaskHostCore::start()); the promise is canceled and finished by its destructor.
    void abandon() { m_settled = true; }

private:
    void canceled();
    // Ends the task with what `report` puts into the promise, unless it was canceled first.
    void settle(const std::function<void()> &report);

    std::weak_ptr<JsTaskHostCore> m_host;
    QPromise<QVariant> m_promise;
    QFutureWatcher<QVariant> m_cancelWatcher;
    bool m_settled = false;
};

class JsTaskHostCore
{
public:
    explicit JsTaskHostCore(Group *group) : m_group(group) { }
    ~JsTaskHostCore();

    Group *group() const { return m_group; }
    // Calls `fn` (on the group's thread, in a free slot) and returns the future of its task.
    QFuture<QVariant> start(const QJSValue &fn, const std::shared_ptr<JsTaskHostCore> &self);
    void forget(JsTask *task);

private:
    Group *const m_group;
    QHash<JsTask *, std::shared_ptr<JsTask>> m_pending;
};

// A JavaScript value as a task result or put() item: objects (QObjects included) as QJSValue,
// everything else as QJSValue::toVariant() gives it.
QVariant resultOf(const QJSValue &value);
// Message of a thrown or rejected JavaScript value: an Error's message, else the value's string.
QString messageOf(const QJSValue &reason);
bool isThenable(QJSEngine *engine, const QJSValue &value);
// Calls value.then(resolve, reject) with callbacks that settle `task`.
void subscribe(QJSEngine *engine, const QJSValue &thenable, const std::shared_ptr<JsTask> &task);

} // namespace AioUtils

#endif // AIOUTILS_JSTASK_P_H
