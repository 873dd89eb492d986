// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_DELAY_H
#define AIOUTILS_DELAY_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qfuture.h>

#include <chrono>

namespace AioUtils {

AIOUTILS_CORE_EXPORT QFuture<void> delay(std::chrono::milliseconds duration);

} // namespace AioUtils

#endif // AIOUTILS_DELAY_H
