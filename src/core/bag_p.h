// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_BAG_P_H
#define AIOUTILS_BAG_P_H

#include <AioUtils/bag.h>

#include "group_p.h"
#include "resultmodel_p.h"

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qpointer.h>

#include <deque>
#include <exception>
#include <optional>

namespace AioUtils {

class BagPrivate final : public GroupPrivate
{
    Q_DECLARE_PUBLIC(Bag)
public:
    BagPrivate(Bag *bag, bool ordered);

    void deliver() override;
    // No view to tell and nothing connected to resultReady, no emission owed: results go
    // straight to where they wait to be taken (a receiver connected later hears of the results
    // delivered after it, as it would anyway).
    bool deliversDirectly() const;
    bool emissionsDone() const override;
    // Takes up to `count` retained results from the front (all with -1), keeping the model in
    // step; then lets backpressure go and tells of the new buffered count.
    QVariantList takeFront(qsizetype count);
    // next()'s step: the first retained result, if any; else whether the round is over (then
    // `failure` gets the round's first failure, which is cleared). With `deliverFirst` (only
    // when deliversDirectly()), it delivers under the same lock first, as deliver() would.
    std::optional<QVariant> takeFirst(bool *over, std::exception_ptr *failure,
                                      bool deliverFirst = false);
    // GroupCore::drainedLocked(); then `failure` takes the round's first failure.
    bool overLocked(std::exception_ptr *failure);
    void signalBuffered();

    void serveResults() override;
    bool waitsForRoundEnd() const override { return !resultWaiters.empty(); }
    void settleWaiting(const std::optional<detail::GroupCore::RoundEnd> &ended) override;
    void abandonWaiting() override;
    // Drops the pending nextResult() futures their callers canceled (not while serving them).
    void dropCanceledWaiters();
    // A result taken for a waiter that gave up meanwhile goes back to the front.
    void putBack(QVariant value);

    // Pending nextResult() futures, in call order; on the bag's thread.
    std::deque<QPromise<QVariant>> resultWaiters;
    bool serving = false;

    mutable QPointer<ResultModel> model;
    detail::Ring<QVariant> toEmit; // delivered, resultReady not yet emitted
};

} // namespace AioUtils

#endif // AIOUTILS_BAG_P_H
