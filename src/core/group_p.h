// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_GROUP_P_H
#define AIOUTILS_GROUP_P_H

#include "groupcore_p.h"
#include "taskmodel_p.h"

#include <AioUtils/group.h>

#include <QtCore/qpointer.h>
#include <QtCore/qpromise.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

QT_BEGIN_NAMESPACE
class QTimer;
QT_END_NAMESPACE

namespace AioUtils {

class GroupPrivate
{
    Q_DECLARE_PUBLIC(Group)
public:
    explicit GroupPrivate(Group *group);
    virtual ~GroupPrivate();

    // Starts what the queue may start now, then emits what the tasks' ends owe: taskFailed,
    // countsChanged, idleChanged, finished. Runs on the group's thread.
    void drain();
    void startQueued();

    // Blocks until take(core) returns true (called under the lock: see GroupCore::Waiter) or the
    // deadline passes; returns whether it did. On the group's thread it spins a local event loop
    // and every drain offers the state (at the moment a round ends, before any signal, and after
    // the signals); elsewhere it waits on a condition.
    // A wait that may begin inside a drain (a slot of one of its signals) asks for a fresh drain
    // as it begins (`freshDrain`): the suspended one cannot end a round that is over.
    bool waitUntil(std::function<bool(detail::GroupCore &)> take, QDeadlineTimer deadline,
                   bool freshDrain = true);

    // The deadline timer fired: tasks past their taskTimeout fail.
    void expireDeadlines();
    void startDeadlineTimer(std::chrono::steady_clock::time_point due);

    // Bag: hands arrived results to the retained buffer and emits them. On the group's thread.
    virtual void deliver() { }
    // Bag: false while resultReady emissions are still owed; the round may not end before.
    virtual bool emissionsDone() const { return true; }

    // ---- Futures that wait without a nested event loop (slotAvailable(), nextResult()) --------
    // Bag: hands retained results to the pending nextResult() futures, in call order. Runs
    // their continuations, which may delete the group.
    virtual void serveResults() { }
    // Bag: whether futures are pending that the end of the round settles.
    virtual bool waitsForRoundEnd() const { return false; }
    // The end of a drain: finishes the slotAvailable() futures if a task could start now; a Bag
    // settles its pending nextResult() futures with the round's end, if the drain saw it
    // (`ended`). Runs continuations, which may delete the group.
    virtual void settleWaiting(const std::optional<detail::GroupCore::RoundEnd> &ended);
    // Something that may free a slot changed (a setting, a Bag's buffer): a drain comes to
    // finish slotAvailable() futures, if any wait. Any thread.
    void slotMayBeFree();
    // The group is being destroyed: every pending future is canceled, from the event loop,
    // once the group is gone (their continuations must not find it half destroyed).
    virtual void abandonWaiting();

    // Pending slotAvailable() futures; on the group's thread.
    std::vector<QPromise<void>> slotWaiters;
    std::atomic<bool> hasSlotWaiters { false };

    // Callbacks of the local event loops waiting in waitUntil(), run after every drain: each
    // quits its loop once its waiter is done.
    std::vector<std::function<void()> *> drainWatchers;
    // How many drains of this group are under way on its thread (a slot of a signal a drain
    // emits may wait, and start another).
    int drainDepth = 0;

    Group *q_ptr;
    std::shared_ptr<detail::GroupCore> core;
    // One timer for every deadline of the group's tasks, made when the first one is set.
    QTimer *deadlineTimer = nullptr;
    // taskModel(), made on the first call; a child of the group.
    QPointer<TaskModel> taskModel;
};

} // namespace AioUtils

#endif // AIOUTILS_GROUP_P_H
