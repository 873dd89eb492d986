// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Umbrella header: everything in AioUtils::Core.

#ifndef AIOUTILS_AIOUTILS_H
#define AIOUTILS_AIOUTILS_H

#include <AioUtils/bag.h>
#include <AioUtils/delay.h>
#include <AioUtils/group.h>
#include <AioUtils/key.h>
#include <AioUtils/orderedbag.h>
#include <AioUtils/pool.h>
#include <AioUtils/timeouterror.h>
#include <AioUtils/yielding.h>

#endif // AIOUTILS_AIOUTILS_H
