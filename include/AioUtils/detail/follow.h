// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Futures the group does not run itself (adopted ones, the ones work returns): their outcome and
// results, and the Followers that end their tasks when they finish. Not API: everything in
// AioUtils::detail may change without notice.

#ifndef AIOUTILS_DETAIL_FOLLOW_H
#define AIOUTILS_DETAIL_FOLLOW_H

#include <AioUtils/aioutils_core_export.h>
#include <AioUtils/detail/tasklink.h>
#include <AioUtils/timeouterror.h>

#include <QtCore/qfuture.h>
#include <QtCore/qpromise.h>
#include <QtCore/qvariant.h>

#include <exception>
#include <memory>
#include <optional>
#include <utility>

namespace AioUtils {
namespace detail {

// The outcome of a finished future. Only a canceled future can hold an exception, so the common
// path is one state load.
AIOUTILS_CORE_EXPORT Outcome canceledOutcome(const QFuture<void> &future,
                                             std::exception_ptr *failure);

template<typename T> inline Outcome outcomeOf(const QFuture<T> &future, std::exception_ptr *failure)
{
    if (!future.isCanceled())
        return Outcome::Succeeded;
    return canceledOutcome(QFuture<void>(future), failure);
}

// A finished future's results, each one a result of the task, as QVariants. A type QVariant
// cannot hold (not copyable) gives none.
template<typename T> TaskResults resultsOf(const QFuture<T> &future)
{
    TaskResults results;
    if constexpr (!std::is_void_v<T> && std::is_copy_constructible_v<T>) {
        const int count = future.resultCount();
        for (int i = 0; i < count; ++i)
            results.append(QVariant::fromValue(future.resultAt(i)));
    }
    return results;
}

// Reports the end of a finished future's task through `link`.
template<typename T> void reportFinished(const QFuture<T> &future, TaskLink &link)
{
    std::exception_ptr failure;
    const Outcome outcome = outcomeOf(future, &failure);
    TaskResults results;
    if (outcome == Outcome::Succeeded && link.wantsResults())
        results = resultsOf(future);
    link.report(outcome, std::move(failure), std::move(results));
}

class DirectFollow;

// Work this library runs and finishes itself, on the group's thread (request(), fetch()): it tells
// the task that follows its future when the future finished or was canceled, so that the group
// follows it without a QFutureWatcher (a QObject, and a posted event for each change of the
// future: about ten events a request). Made while a task's callable runs, it is offered to that
// task; when the callable returns this work's future, the group hands its Follower to the work
// (DirectWork::offeredFor(), Follower::followDirect()).
class AIOUTILS_CORE_EXPORT DirectWork
{
public:
    DirectWork(const DirectWork &) = delete;
    DirectWork &operator=(const DirectWork &) = delete;

    // The work offered to the task this thread runs whose future is `future`, if any.
    static DirectWork *offeredFor(const TaskScope &scope, const QFuture<void> &future);

protected:
    // `future` is the work's own; on the thread the work runs on, before the future finishes.
    explicit DirectWork(const QFuture<void> &future) noexcept;
    // Unfinished, the task that followed it ends Canceled (what the work's own unfinished
    // promise means too).
    virtual ~DirectWork();

    // Whether a group follows the work (then its future's changes need no other watcher).
    bool isFollowed() const noexcept { return m_follow != nullptr; }
    // The work's future has finished: the task that follows it ends now, here. Runs user code
    // (the next queued task starts), which may delete the work: call it last, touch nothing of
    // the work after it.
    void workFinished();
    // The same in two steps, for a work that deletes itself in between: the follow is taken
    // out of the work (owned by the caller, who hands it on at once), then the task it follows
    // ends (a null follow: nothing happens).
    DirectFollow *takeFollow() noexcept;
    static void workFinished(DirectFollow *follow);
    // The work's future was canceled (the work ends later): what the task linked is canceled now.
    void workCanceled();
    // The work is about to end where user code must not run (inside the destructor of whatever
    // deleted part of it): its task is followed by a watcher from here on, and ends after this.
    void stopFollowing();

    // Tells whether the work outlived the user code run while this lived (that code may delete
    // the work's owner: a continuation that deletes the QNetworkAccessManager, say). Made on the
    // stack, around the call that runs the user code.
    class Survival
    {
    public:
        explicit Survival(DirectWork &work) noexcept
            : m_work(&work), m_outer(std::exchange(work.m_survivals, this))
        {
        }
        ~Survival()
        {
            if (m_work)
                m_work->m_survivals = m_outer;
        }
        Survival(const Survival &) = delete;
        Survival &operator=(const Survival &) = delete;

        bool survived() const noexcept { return m_work != nullptr; }

    private:
        friend class DirectWork;
        DirectWork *m_work; // null once the work is gone
        Survival *m_outer;
    };

    // Finishes the work's own `promise`. finish() runs the continuations attached to its future
    // without a context, here, and one may delete the work: the promise is moved out first (the
    // member is left empty), so that finish() does not run on a member that goes meanwhile.
    // Returns whether the work is still there; if not, touch nothing of it.
    template<typename T> bool finishPromise(QPromise<T> &promise)
    {
        QPromise<T> finishing = std::move(promise);
        const Survival survival(*this);
        // One its task's group finished as the group went (see OfferFollower) stays as it is: a
        // second finish would run its continuations again (Qt 6.4 runs them on every finish).
        if (!finishing.future().isFinished())
            finishing.finish();
        return survival.survived();
    }

private:
    friend class TaskScope;
    friend class GroupCore;
    friend class DirectFollow;
    QFuture<void> m_future;
    std::unique_ptr<DirectFollow> m_follow; // while a group follows the work
    TaskScope *m_scope = nullptr;           // while it is offered to a running callable
    Survival *m_survivals = nullptr;        // the innermost one made for this work
};

// Follows one running future that this library does not own, and ends its task when the future
// finishes. The group watches it with a QFutureWatcher on the group's thread: in Qt 6.4 a second
// then() on a future replaces the first, so a continuation of ours would silently take the place
// of the caller's (or the caller's of ours); watchers can be many.
class AIOUTILS_CORE_EXPORT Follower
{
public:
    explicit Follower(TaskLink &&link) noexcept : m_link(std::move(link)) { }
    virtual ~Follower();
    Follower(const Follower &) = delete;
    Follower &operator=(const Follower &) = delete;

    virtual QFuture<void> future() const = 0;
    // The future finished: settle the task.
    virtual void finish() = 0;

    // The followed future was canceled (or failed): what the task linked is canceled too.
    void canceled();
    // Another future the caller holds than future() (the group made it), if any; and what
    // happens when it is canceled (by the caller, or failed by a timeout).
    virtual std::optional<QFuture<void>> callerFuture() const { return std::nullopt; }
    virtual void callerCanceled() { }
    // A watcher listens to callerFuture() from now on.
    virtual void callerHeard() { }

    // Hands `follower` to its group (on the group's thread; from another thread by a posted
    // wake-up). Destroyed unfinished, with its group, it reports Canceled.
    static void follow(std::unique_ptr<Follower> follower);
    // Hands `follower` to `work`, whose future it follows: the work tells when it finished (see
    // DirectWork). Where that cannot be (another thread than the group's), as follow().
    static void followDirect(DirectWork &work, std::unique_ptr<Follower> follower);

protected:
    friend class GroupCore;
    TaskLink m_link; // in the base: destroyed after what the derived class holds
};

// Ends the task of an adopted future (or of a future the work returned) with its outcome.
template<typename T> class AdoptFollower final : public Follower
{
public:
    AdoptFollower(const QFuture<T> &future, TaskLink &&link)
        : Follower(std::move(link)), m_future(future)
    {
    }
    QFuture<void> future() const override { return QFuture<void>(m_future); }
    void finish() override { reportFinished(m_future, m_link); }

private:
    QFuture<T> m_future;
};

// Follows the future the caller got at spawn time, which the work took to fulfil itself (see
// PromiseOffer). Destroyed unfinished (its group went), it cancels and finishes that future, as
// the caller's own promise would have as it went, running its continuations; the work then finds
// it finished and leaves it so (DirectWork::finishPromise()).
template<typename T> class OfferFollower final : public Follower
{
public:
    OfferFollower(const QFuture<T> &future, TaskLink &&link)
        : Follower(std::move(link)), m_future(future)
    {
    }
    ~OfferFollower() override
    {
        if (!m_future.isFinished()) {
            QFutureInterface<T> state(QFutureInterfaceBase::get(m_future));
            state.cancel();
            state.reportFinished();
        }
    }
    QFuture<void> future() const override { return QFuture<void>(m_future); }
    void finish() override
    {
        std::exception_ptr failure;
        if (outcomeOf(m_future, &failure) == Outcome::Failed && isTimeout(failure)) {
            // The group put it there as it timed the task out (the work, a request of this
            // library, fails with a NetworkError of its own), and counted the failure then.
            m_link.report(Outcome::Canceled, {}, {});
            return;
        }
        reportFinished(m_future, m_link);
    }

private:
    static bool isTimeout(const std::exception_ptr &failure)
    {
        try {
            std::rethrow_exception(failure);
        } catch (const TimeoutError &) {
            return true;
        } catch (...) {
            return false;
        }
    }
    QFuture<T> m_future;
};

// Ends the task of `future`: at once if it is finished, else through a Follower; the one of
// `direct`, the work that made the future, when given.
template<typename T>
void follow(const QFuture<T> &future, TaskLink link, DirectWork *direct = nullptr)
{
    if (future.isFinished()) {
        reportFinished(future, link);
        return;
    }
    const QFuture<void> own(future);
    link.begin(&own);
    auto follower = std::make_unique<AdoptFollower<T>>(future, std::move(link));
    if (direct)
        Follower::followDirect(*direct, std::move(follower));
    else
        Follower::follow(std::move(follower));
}

// Delivers the outcome of the future the work returned to the future the caller got at spawn
// time, then ends the task. Destroyed unfinished, the promise (QPromise cancels on destruction)
// is final before the link in the base reports Canceled.
template<typename T> class ForwardFollower final : public Follower
{
public:
    ForwardFollower(const QFuture<T> &inner, QPromise<T> &&outer, TaskLink &&link)
        : Follower(std::move(link)), m_inner(inner), m_outer(std::move(outer))
    {
    }
    QFuture<void> future() const override { return QFuture<void>(m_inner); }
    std::optional<QFuture<void>> callerFuture() const override
    {
        return QFuture<void>(m_outer.future());
    }
    // The caller's future starts only now, unless it finished: a watcher that connects to a
    // started future is posted three events at once (started, progress range, progress), each
    // a wake-up of the thread's event loop; one that was there before it started, one.
    void callerHeard() override { m_outer.start(); }
    // The caller canceled its future, or a timeout failed it: the work is canceled with what
    // the task linked, and the caller's future finishes now, not when the work's does.
    void callerCanceled() override
    {
        m_inner.cancel();
        canceled();
        TaskScope scope(m_link);
        m_outer.finish();
    }

    void finish() override
    {
        std::exception_ptr failure;
        const Outcome outcome = outcomeOf(m_inner, &failure);
        m_outer.start(); // if no watcher listened (see callerHeard()): a finished future started
        {
            // Finishing the caller's future runs its continuations here, before the task has
            // reported: to them, join() is a join from inside the task.
            TaskScope scope(m_link);
            if (outcome == Outcome::Failed) {
                m_outer.setException(failure);
            } else if (outcome == Outcome::Canceled) {
                m_outer.future().cancel();
            } else if constexpr (!std::is_void_v<T>) {
                for (int i = 0; i < m_inner.resultCount(); ++i)
                    m_outer.addResult(m_inner.resultAt(i));
            }
            // Finished already if callerCanceled() came first: once only, since Qt 6.4 runs
            // the continuations again on every finish().
            if (!m_outer.future().isFinished())
                m_outer.finish();
        }
        TaskResults results;
        if (outcome == Outcome::Succeeded && m_link.wantsResults())
            results = resultsOf(m_inner);
        m_link.report(outcome, std::move(failure), std::move(results));
    }

private:
    QFuture<T> m_inner;
    QPromise<T> m_outer;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_DETAIL_FOLLOW_H
