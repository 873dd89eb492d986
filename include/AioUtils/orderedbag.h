// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_ORDEREDBAG_H
#define AIOUTILS_ORDEREDBAG_H

#include <AioUtils/bag.h>

namespace AioUtils {

// Bases are named in full for qmltyperegistrar (Qt 6.4), which describes the QML types.
class AIOUTILS_CORE_EXPORT OrderedBag : public AioUtils::Bag
{
    Q_OBJECT

public:
    explicit OrderedBag(QObject *parent = nullptr);
    explicit OrderedBag(int poolSize, QObject *parent = nullptr);
    ~OrderedBag() override;

private:
    Q_DISABLE_COPY(OrderedBag)
};

} // namespace AioUtils

#endif // AIOUTILS_ORDEREDBAG_H
