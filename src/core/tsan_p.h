// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API. ThreadSanitizer cannot see the synchronization inside a QtCore that was not built
// with it (QThreadPool's queue, the posted-event queue). Where this library hands an object to
// another thread through QtCore, it tells TSan about the hand-over itself; in other builds these
// are no-ops.

#ifndef AIOUTILS_TSAN_P_H
#define AIOUTILS_TSAN_P_H

#if defined(__SANITIZE_THREAD__)
#define AIOUTILS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define AIOUTILS_TSAN 1
#endif
#endif

#ifdef AIOUTILS_TSAN
extern "C" void __tsan_acquire(void *addr);
extern "C" void __tsan_release(void *addr);
#define AIOUTILS_HANDOVER_RELEASE(p) __tsan_release(static_cast<void *>(p))
#define AIOUTILS_HANDOVER_ACQUIRE(p) __tsan_acquire(static_cast<void *>(p))
#else
#define AIOUTILS_HANDOVER_RELEASE(p) static_cast<void>(p)
#define AIOUTILS_HANDOVER_ACQUIRE(p) static_cast<void>(p)
#endif

#endif // AIOUTILS_TSAN_P_H
