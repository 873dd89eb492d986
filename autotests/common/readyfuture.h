// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Finished futures for the autotests and benchmarks, on every supported Qt: Qt 6.6 deprecated
// QtFuture::makeReadyFuture() in favour of makeReadyValueFuture() and makeReadyVoidFuture(),
// which Qt 6.4 does not have.

#ifndef AIOUTILS_READYFUTURE_H
#define AIOUTILS_READYFUTURE_H

#include <QtCore/qfuture.h>
#include <QtCore/qglobal.h>

#include <type_traits>
#include <utility>

namespace TestUtil {

// A future that has finished with `value`.
template<typename T> QFuture<std::decay_t<T>> readyFuture(T &&value)
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 6, 0)
    return QtFuture::makeReadyValueFuture(std::forward<T>(value));
#else
    return QtFuture::makeReadyFuture(std::forward<T>(value));
#endif
}

// A void future that has finished.
inline QFuture<void> readyFuture()
{
#if QT_VERSION >= QT_VERSION_CHECK(6, 6, 0)
    return QtFuture::makeReadyVoidFuture();
#else
    return QtFuture::makeReadyFuture();
#endif
}

} // namespace TestUtil

#endif // AIOUTILS_READYFUTURE_H
