// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "bag_p.h"
#include "futures_p.h"

#include <QtCore/qlogging.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qscopeguard.h>
#include <QtCore/qthread.h>

namespace AioUtils {

// ---------------------------------------------------------------------------------------------
// BagPrivate

BagPrivate::BagPrivate(Bag *bag, bool ordered) : GroupPrivate(bag)
{
    core->keepResults(ordered);
}

void BagPrivate::deliver()
{
    Q_Q(Bag);
    // Slots of resultReady and bufferedCountChanged, and views of the model, may delete the bag.
    const std::shared_ptr<detail::GroupCore> core = this->core;
    const QPointer<Bag> alive(q);
    QVariantList values;
    qsizetype first;
    bool bufferedChanged = false;
    bool queuedMayStart = false;
    const bool emissionsOwed = !toEmit.empty();
    const bool direct = deliversDirectly();
    {
        std::lock_guard lock(core->mutex);
        if (direct)
            queuedMayStart = core->retainDeliverableLocked();
        else
            queuedMayStart = core->takeDeliverableLocked(values);
        first = core->retainedCountLocked();
        if (values.isEmpty() && !emissionsOwed) {
            // Nothing to deliver or emit (the common case in next(), and every delivery
            // nobody listens to): one lock, not three.
            bufferedChanged = core->bufferedChangedLocked();
        } else if (!model && !values.isEmpty()) {
            // No view to tell first: retained at once, under this lock.
            for (QVariant &value : values) {
                toEmit.push_back(value);
                core->retainLocked(std::move(value));
            }
            values.clear();
        }
    }
    if (values.isEmpty() && !emissionsOwed && toEmit.empty()) {
        if (bufferedChanged)
            Q_EMIT q->bufferedCountChanged();
        if (queuedMayStart && alive)
            core->pump();
        return;
    }
    if (!values.isEmpty()) {
        // Only this thread adds or removes rows, so `first` still holds. The model's signals go
        // out without the lock held: views call back into rowCount() and data().
        if (model)
            model->beginAppend(int(first), int(values.size()));
        {
            std::lock_guard lock(core->mutex);
            for (const QVariant &value : std::as_const(values))
                core->retainLocked(value);
        }
        if (model)
            model->endAppend();
        for (QVariant &value : values)
            toEmit.push_back(std::move(value));
    }
    if (!alive)
        return;
    // One queue for all emissions: a slot that takes results (which delivers too) continues
    // this queue in order instead of overtaking it.
    while (!toEmit.empty()) {
        const QVariant value = std::move(toEmit.front());
        toEmit.pop_front();
        Q_EMIT q->resultReady(value);
        if (!alive)
            return;
    }
    signalBuffered();
    if (!alive)
        return;
    if (queuedMayStart) {
        core->pump();
        if (!alive)
            return;
    }
    // A drain that ran while emissions were owed left the round open; end it now.
    std::lock_guard lock(core->mutex);
    core->wakeIfRoundOverLocked();
}

bool BagPrivate::deliversDirectly() const
{
    Q_Q(const Bag);
    static const QMetaMethod resultReady = QMetaMethod::fromSignal(&Bag::resultReady);
    return !model && toEmit.empty() && !q->isSignalConnected(resultReady);
}

bool BagPrivate::emissionsDone() const
{
    return toEmit.empty();
}

QVariantList BagPrivate::takeFront(qsizetype count)
{
    Q_Q(Bag);
    const std::shared_ptr<detail::GroupCore> core = this->core;
    const QPointer<Bag> alive(q);
    QVariantList taken;
    {
        std::lock_guard lock(core->mutex);
        const qsizetype retained = core->retainedCountLocked();
        count = count < 0 ? retained : std::min(count, retained);
    }
    if (count == 0)
        return taken;
    // Only this thread adds or removes rows, so `count` still holds. The model's signals go out
    // without the lock held: views call back into rowCount() and data().
    if (model)
        model->beginTakeFront(int(count));
    if (!alive)
        return taken;
    bool queuedWork;
    {
        std::lock_guard lock(core->mutex);
        taken = core->takeRetainedLocked(count);
        queuedWork = core->takeMayStartLocked();
    }
    if (model)
        model->endTakeFront();
    if (!alive)
        return taken;
    // Room in the buffer: queued tasks held back by bufferLimit may start now.
    if (queuedWork)
        core->pump();
    if (alive)
        signalBuffered();
    if (alive)
        slotMayBeFree();
    return taken;
}

bool BagPrivate::overLocked(std::exception_ptr *failure)
{
    if (!core->drainedLocked())
        return false;
    *failure = core->takeFirstFailureLocked();
    return true;
}

void BagPrivate::signalBuffered()
{
    Q_Q(Bag);
    bool changed;
    {
        std::lock_guard lock(core->mutex);
        changed = core->bufferedChangedLocked();
    }
    if (changed)
        Q_EMIT q->bufferedCountChanged();
}

std::optional<QVariant> BagPrivate::takeFirst(bool *over, std::exception_ptr *failure,
                                              bool deliverFirst)
{
    Q_Q(Bag);
    if (model) {
        // The view is told before the row goes: the general path.
        QVariantList taken = takeFront(1);
        if (!taken.isEmpty())
            return std::move(taken.first());
        if (over) {
            std::lock_guard lock(core->mutex);
            *over = overLocked(failure);
        }
        return std::nullopt;
    }
    const std::shared_ptr<detail::GroupCore> core = this->core;
    std::optional<QVariant> value;
    bool queuedWork = false;
    bool changed = false;
    // Taking results one at a time spawns nothing: the ran jobs come back to this thread here
    // (freed after the lock), as they do with each spawn.
    std::vector<std::unique_ptr<detail::Job>> ran;
    {
        std::lock_guard lock(core->mutex);
        ran = core->takeRanJobsLocked();
        if (deliverFirst)
            queuedWork = core->retainDeliverableLocked();
        value = core->takeFirstRetainedLocked();
        if (value)
            queuedWork = queuedWork || core->takeMayStartLocked();
        else if (over)
            *over = overLocked(failure);
        if (value || deliverFirst)
            changed = core->bufferedChangedLocked();
    }
    const QPointer<Bag> alive(q);
    if (!value) {
        // What deliver() would have done, delivering nothing to take.
        if (changed)
            Q_EMIT q->bufferedCountChanged();
        if (queuedWork && alive)
            core->pump();
        return value;
    }
    // Room in the buffer (or a delivery): queued tasks held back may start now.
    if (queuedWork)
        core->pump();
    if (alive && changed)
        Q_EMIT q->bufferedCountChanged();
    if (alive)
        slotMayBeFree();
    return value;
}

void BagPrivate::serveResults()
{
    Q_Q(Bag);
    if (resultWaiters.empty() || serving)
        return;
    const QPointer<Bag> alive(q);
    serving = true;
    const auto done = qScopeGuard([this, &alive] {
        if (alive)
            serving = false;
    });
    while (!resultWaiters.empty()) {
        if (resultWaiters.front().isCanceled()) {
            // Its caller gave up: the result goes to the next one.
            resultWaiters.pop_front();
            continue;
        }
        // Taking may run user code (the model's views, bufferedCountChanged, tasks that start),
        // which may call nextResult() again: that queues behind, as `serving` keeps the queue
        // as it is (no drain settles it, nothing drops from it meanwhile).
        std::optional<QVariant> value = takeFirst(nullptr, nullptr);
        if (!alive || !value)
            return;
        // The first that takes it: the one in front may have been canceled meanwhile (addResult()
        // refuses then). Those that gave up go.
        bool taken = false;
        while (!taken && !resultWaiters.empty()) {
            QPromise<QVariant> promise = std::move(resultWaiters.front());
            resultWaiters.pop_front();
            if (promise.addResult(*value)) {
                taken = true;
                // Continuations without a context run here, and may delete the bag.
                promise.finish();
            }
        }
        if (!alive)
            return;
        if (!taken) {
            // Everybody gave up while it was being taken: it goes back, in front.
            putBack(std::move(*value));
            return;
        }
    }
}

void BagPrivate::putBack(QVariant value)
{
    if (model)
        model->beginPutBack();
    {
        std::lock_guard lock(core->mutex);
        core->putBackLocked(std::move(value));
    }
    if (model)
        model->endPutBack();
    signalBuffered();
}

void BagPrivate::settleWaiting(const std::optional<detail::GroupCore::RoundEnd> &ended)
{
    Q_Q(Bag);
    const QPointer<Bag> alive(q);
    // Not from a drain nested in serveResults() (a slot of what taking ran that waits): the
    // drain that serves settles them after it.
    if (ended && !serving) {
        dropCanceledWaiters();
        if (!resultWaiters.empty()) {
            // The round ended with nothing left: the first one waiting takes its failure, if
            // no one (a join(), a next()) took it first; the others end canceled. Each gets
            // its end before any continuation runs.
            std::deque<QPromise<QVariant>> settled = std::exchange(resultWaiters, {});
            std::exception_ptr failure;
            {
                std::lock_guard lock(core->mutex);
                failure = core->claimLocked(*ended);
            }
            for (QPromise<QVariant> &promise : settled) {
                if (failure)
                    promise.setException(std::exchange(failure, nullptr));
                else
                    promise.future().cancel();
            }
            for (QPromise<QVariant> &promise : settled)
                promise.finish();
        }
    }
    if (alive)
        GroupPrivate::settleWaiting(ended);
}

void BagPrivate::abandonWaiting()
{
    detail::cancelLater(std::exchange(resultWaiters, {}));
    GroupPrivate::abandonWaiting();
}

void BagPrivate::dropCanceledWaiters()
{
    if (!serving)
        detail::dropCanceled(resultWaiters);
}

// ---------------------------------------------------------------------------------------------
// Bag

/*!
    \class AioUtils::Bag
    \inmodule AioUtils
    \brief A Group that keeps its tasks' results and hands them out as they complete.

    Every non-void task result and every put() item is one result. Each is delivered once, on the
    bag's thread: emitted as resultReady() and retained until taken by next(), takeAll() or
    yielding(), or shown by model() until then. The bag keeps each result once, as a QVariant;
    the QFuture spawn() returns holds the value as well for as long as the caller keeps it.
*/
Bag::Bag(QObject *parent) : Bag(false, 0, parent) { }

/*!
    A bag whose tasks run at most \a poolSize at once; 0 means unlimited.
*/
Bag::Bag(int poolSize, QObject *parent) : Bag(false, poolSize, parent) { }

Bag::Bag(bool ordered, int poolSize, QObject *parent)
    : Group(std::make_unique<BagPrivate>(this, ordered), parent)
{
    if (poolSize < 0) {
        qWarning("AioUtils::Bag: pool size %d is negative; using 0 (unlimited)", poolSize);
        poolSize = 0;
    }
    setMaxConcurrency(poolSize);
}

Bag::~Bag() = default;

/*!
    Adds \a item as a result of its own. Thread-safe. In an OrderedBag it takes the next place
    in spawn order at the moment of the call.
*/
void Bag::put(const QVariant &item)
{
    Q_D(Bag);
    std::lock_guard lock(d->core->mutex);
    d->core->putLocked(item);
}

/*!
    Returns the next result, spinning the bag's event loop until one is there. Returns
    std::nullopt when the round has ended and nothing is left, or when \a deadline passes. After
    the last result, the round's first failure is rethrown once. Use it on the bag's thread;
    from inside one of the bag's own tasks it warns and returns std::nullopt.
*/
std::optional<QVariant> Bag::next(QDeadlineTimer deadline)
{
    Q_D(Bag);
    if (detail::GroupCore::isInsideTask(d->core.get())) {
        qWarning("AioUtils::Bag::next: called from inside one of the bag's own tasks, which "
                 "would wait for itself; returning no result");
        return std::nullopt;
    }
    if (!d->core->onGroupThread()) {
        qWarning("AioUtils::Bag::next: called from another thread than the bag's; returning no "
                 "result");
        return std::nullopt;
    }
    const std::shared_ptr<detail::GroupCore> core = d->core;
    // Slots connected to resultReady and bufferedCountChanged may delete the bag meanwhile.
    const QPointer<Bag> alive(this);
    for (;;) {
        // Nobody to tell of deliveries: delivering and taking are one step, under one lock.
        const bool direct = d->deliversDirectly();
        if (!direct) {
            d->deliver();
            if (!alive)
                return std::nullopt;
        }
        bool over = false;
        std::exception_ptr failure;
        if (std::optional<QVariant> taken = d->takeFirst(&over, &failure, direct)) {
            // Others wait for results too (nextResult()): a drain hands them what is left.
            if (alive && !d->resultWaiters.empty()) {
                std::lock_guard lock(core->mutex);
                if (core->retainedCountLocked() > 0)
                    core->wakeLocked();
            }
            return taken;
        }
        if (!alive)
            return std::nullopt;
        if (over) {
            if (failure)
                std::rethrow_exception(failure);
            return std::nullopt;
        }
        // Done when there is something to take or the round ended. Then the loop takes it; but
        // the end of the round with nothing left is taken here, with its failure, at the moment
        // it is seen: a next round that begins right after would clear the failure. A result
        // that another consumer (a takeAll() in a slot) takes first only means waiting again.
        // Outside a drain and with no emissions owed, what ends the wait posts a drain of its
        // own (a task's end): none is asked for as the wait begins.
        std::optional<detail::GroupCore::RoundEnd> ended;
        const bool ready = d->waitUntil(
                [&ended](detail::GroupCore &c) {
                    if (c.drainedLocked())
                        ended = c.roundEndLocked();
                    return ended || c.retainedCountLocked() > 0 || c.deliverableLocked()
                            || c.isIdleLocked();
                },
                deadline, !direct || d->drainDepth > 0);
        if (!alive)
            return std::nullopt;
        if (ended) {
            {
                std::lock_guard lock(core->mutex);
                failure = core->claimLocked(*ended);
            }
            if (failure)
                std::rethrow_exception(failure);
            return std::nullopt;
        }
        if (!ready)
            return std::nullopt;
    }
}

/*!
    Returns a future that finishes with the next result, the one next() would return, without
    waiting: no nested event loop runs, so use it with \c{.then(context, ...)}, a QFutureWatcher
    or \c co_await. Each result goes to one caller, in the order of the calls (a future that its
    caller canceled, with QFuture::cancel(), gives up its turn, and no result is lost with it).
    Once the round has ended with nothing left, the future is canceled; the first one after the
    last result carries the round's failure instead, if join() or next() has not taken it (QFuture
    reports a failed future canceled as well: result() and waitForFinished() rethrow the failure,
    and onFailed() sees it before onCanceled() would). In an OrderedBag the results come in spawn
    order.

    Destroying the bag cancels the pending futures, from the event loop once the bag is gone. Call
    it on the bag's thread: from another thread it warns and returns a canceled future.
    \code
    void Window::showNext()
    {
        m_bag->nextResult()
                .then(this, [this](const QVariant &page) {
                    m_list->addItem(page.toString());
                    showNext();
                })
                .onFailed(this, [this](const std::exception &e) { m_status->setText(e.what()); });
    }
    \endcode
*/
QFuture<QVariant> Bag::nextResult()
{
    Q_D(Bag);
    if (!d->core->onGroupThread()) {
        qWarning("AioUtils::Bag::nextResult: called from another thread than the bag's; "
                 "returning a canceled future");
        return detail::canceledFuture<QVariant>();
    }
    const QPointer<Bag> alive(this);
    d->deliver();
    if (!alive)
        return detail::canceledFuture<QVariant>();
    d->dropCanceledWaiters();
    // Behind those waiting already: results go in call order.
    if (d->resultWaiters.empty()) {
        bool over = false;
        std::exception_ptr failure;
        if (std::optional<QVariant> taken = d->takeFirst(&over, &failure))
            return detail::readyFuture(std::move(*taken));
        if (!alive)
            return detail::canceledFuture<QVariant>();
        if (over)
            return failure ? detail::failedFuture<QVariant>(std::move(failure))
                           : detail::canceledFuture<QVariant>();
    }
    QPromise<QVariant> promise;
    promise.start();
    QFuture<QVariant> future = promise.future();
    d->resultWaiters.push_back(std::move(promise));
    return future;
}

/*!
    Takes every retained result at once; never blocks.
*/
QVariantList Bag::takeAll()
{
    Q_D(Bag);
    if (!d->core->onGroupThread()) {
        qWarning("AioUtils::Bag::takeAll: called from another thread than the bag's; returning "
                 "no results");
        return {};
    }
    const QPointer<Bag> alive(this);
    d->deliver();
    if (!alive)
        return {};
    return d->takeFront(-1);
}

/*!
    An input range over next(): \c{for (const QVariant &v : bag.yielding())}. Leaving the loop
    early cancels the bag's remaining tasks.
*/
Yielding Bag::yielding()
{
    return Yielding(this);
}

/*!
    The retained results as a list model with the role \c result; taking a result removes its
    row. The bag owns it.
*/
QAbstractItemModel *Bag::model() const
{
    Q_D(const Bag);
    if (!d->model)
        d->model = new ResultModel(d->core, const_cast<Bag *>(this));
    return d->model;
}

int Bag::bufferedCount() const
{
    Q_D(const Bag);
    std::lock_guard lock(d->core->mutex);
    return d->core->bufferedLocked();
}

int Bag::bufferLimit() const
{
    Q_D(const Bag);
    std::lock_guard lock(d->core->mutex);
    return d->core->bufferLimitLocked();
}

/*!
    Backpressure: while bufferedCount() (delivered or not, until taken) is at \a limit or above,
    no queued task starts; tasks still running count toward the limit, so the buffer holds at it.
    Nothing is dropped. 0 means unlimited; a negative value warns and means 0.
*/
void Bag::setBufferLimit(int limit)
{
    Q_D(Bag);
    if (limit < 0) {
        qWarning("AioUtils::Bag::setBufferLimit: %d is negative; using 0 (unlimited)", limit);
        limit = 0;
    }
    {
        std::lock_guard lock(d->core->mutex);
        if (!d->core->setBufferLimitLocked(limit))
            return;
    }
    Q_EMIT bufferLimitChanged();
    d->startQueued();
}

} // namespace AioUtils
