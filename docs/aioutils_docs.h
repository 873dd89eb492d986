// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// What QDoc's clang parses before the sources (moduleheader in aioutils.qdocconf): every public
// header of the C++ libraries.
#include <AioUtils/AioUtils>
#include <AioUtils/Network>
#include <AioUtils/NetworkError>
