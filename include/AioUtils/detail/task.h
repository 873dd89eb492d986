// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Template machinery behind Group::spawn() and Group::post(), split by role the way qtbase splits
// QtConcurrent::run(): tasklink.h (a task's report to its group), follow.h (futures the group
// follows), jobs.h (stored work). Not API: everything in AioUtils::detail may change without
// notice.

#ifndef AIOUTILS_DETAIL_TASK_H
#define AIOUTILS_DETAIL_TASK_H

#include <AioUtils/detail/follow.h>
#include <AioUtils/detail/jobs.h>
#include <AioUtils/detail/tasklink.h>

#endif // AIOUTILS_DETAIL_TASK_H
