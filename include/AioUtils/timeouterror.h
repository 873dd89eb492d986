// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_TIMEOUTERROR_H
#define AIOUTILS_TIMEOUTERROR_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qbytearray.h>
#include <QtCore/qexception.h>

namespace AioUtils {

class AIOUTILS_CORE_EXPORT TimeoutError : public QException
{
public:
    explicit TimeoutError(int timeoutMs);

    int timeoutMs() const noexcept { return m_timeoutMs; }
    const char *what() const noexcept override;

    void raise() const override;
    TimeoutError *clone() const override;

private:
    int m_timeoutMs;
    QByteArray m_what;
};

} // namespace AioUtils

#endif // AIOUTILS_TIMEOUTERROR_H
