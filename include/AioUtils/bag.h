// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_BAG_H
#define AIOUTILS_BAG_H

#include <AioUtils/group.h>
#include <AioUtils/yielding.h>

#include <QtCore/qabstractitemmodel.h>
#include <QtCore/qvariant.h>

#include <optional>

namespace AioUtils {

class BagPrivate;

// Bases are named in full for qmltyperegistrar (Qt 6.4), which describes the QML types.
class AIOUTILS_CORE_EXPORT Bag : public AioUtils::Group
{
    Q_OBJECT
    Q_PROPERTY(int bufferedCount READ bufferedCount NOTIFY bufferedCountChanged)
    Q_PROPERTY(int bufferLimit READ bufferLimit WRITE setBufferLimit NOTIFY bufferLimitChanged)
    Q_PROPERTY(QAbstractItemModel *model READ model CONSTANT)

public:
    explicit Bag(QObject *parent = nullptr);
    explicit Bag(int poolSize, QObject *parent = nullptr);
    ~Bag() override;

    void put(const QVariant &item);
    std::optional<QVariant> next(QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever));
    QFuture<QVariant> nextResult();
    QVariantList takeAll();
    Yielding yielding();
    QAbstractItemModel *model() const;

    int bufferedCount() const;
    int bufferLimit() const;
    void setBufferLimit(int limit);

Q_SIGNALS:
    void resultReady(const QVariant &result);
    void bufferedCountChanged();
    void bufferLimitChanged();

protected:
    Bag(bool ordered, int poolSize, QObject *parent);

private:
    Q_DECLARE_PRIVATE(Bag)
    Q_DISABLE_COPY(Bag)
};

} // namespace AioUtils

#endif // AIOUTILS_BAG_H
