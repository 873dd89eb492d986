// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_POOL_H
#define AIOUTILS_POOL_H

#include <AioUtils/group.h>

namespace AioUtils {

// Bases are named in full for qmltyperegistrar (Qt 6.4), which describes the QML types.
class AIOUTILS_CORE_EXPORT Pool : public AioUtils::Group
{
    Q_OBJECT
    Q_PROPERTY(int size READ size WRITE setSize NOTIFY maxConcurrencyChanged)

public:
    explicit Pool(int size, QObject *parent = nullptr);
    ~Pool() override;

    int size() const;
    void setSize(int size);
    int freeCount() const;
    bool isFull() const;
    bool waitAvailable(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));

private:
    Q_DISABLE_COPY(Pool)
};

} // namespace AioUtils

#endif // AIOUTILS_POOL_H
