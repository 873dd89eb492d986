// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The out-of-line part of include/AioUtils/detail/listener.h.

#include <AioUtils/detail/listener.h>

#include <utility>

namespace AioUtils {
namespace detail {

void dropFutureState(QFutureInterfaceBase &state) noexcept
{
    const QFutureInterfaceBase dropped(std::move(state));
}

void shareFutureState(QFutureInterfaceBase &state, const QFuture<void> &future)
{
    QFutureInterfaceBase shared = QFutureInterfaceBase::get(future);
    state.swap(shared); // what `shared` holds now goes as this returns
}

} // namespace detail
} // namespace AioUtils
