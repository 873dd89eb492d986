// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/orderedbag.h>

namespace AioUtils {

/*!
    \class AioUtils::OrderedBag
    \inmodule AioUtils
    \brief A Bag that hands results out in spawn order.

    A result that arrives early waits in a sequence-indexed buffer, so memory grows with the
    out-of-order window, not with the number of results. Failed, void and canceled tasks give up
    their place without stalling the ones after them.
*/
OrderedBag::OrderedBag(QObject *parent) : Bag(true, 0, parent) { }

OrderedBag::OrderedBag(int poolSize, QObject *parent) : Bag(true, poolSize, parent) { }

OrderedBag::~OrderedBag() = default;

} // namespace AioUtils
