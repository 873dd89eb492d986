// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_RESULTMODEL_P_H
#define AIOUTILS_RESULTMODEL_P_H

#include "groupcore_p.h"

#include <QtCore/qabstractitemmodel.h>

#include <memory>

namespace AioUtils {

// The retained results as a list model: one row a result, role "result". Rows are added as
// results are delivered and removed as they are taken, always on the bag's thread.
class ResultModel final : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Roles { ResultRole = Qt::UserRole + 1 };

    ResultModel(std::shared_ptr<detail::GroupCore> core, QObject *parent);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void beginAppend(int first, int count)
    {
        beginInsertRows(QModelIndex(), first, first + count - 1);
    }
    void endAppend() { endInsertRows(); }
    void beginTakeFront(int count) { beginRemoveRows(QModelIndex(), 0, count - 1); }
    void beginPutBack() { beginInsertRows(QModelIndex(), 0, 0); }
    void endPutBack() { endInsertRows(); }
    void endTakeFront() { endRemoveRows(); }

private:
    std::shared_ptr<detail::GroupCore> m_core;
};

} // namespace AioUtils

#endif // AIOUTILS_RESULTMODEL_P_H
