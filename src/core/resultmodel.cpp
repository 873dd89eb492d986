// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include "resultmodel_p.h"

namespace AioUtils {

ResultModel::ResultModel(std::shared_ptr<detail::GroupCore> core, QObject *parent)
    : QAbstractListModel(parent), m_core(std::move(core))
{
}

int ResultModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    std::lock_guard lock(m_core->mutex);
    return int(m_core->retainedCountLocked());
}

QVariant ResultModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (role != ResultRole && role != Qt::DisplayRole)
        return {};
    std::lock_guard lock(m_core->mutex);
    return m_core->retainedAtLocked(index.row());
}

QHash<int, QByteArray> ResultModel::roleNames() const
{
    return { { ResultRole, QByteArrayLiteral("result") },
             { Qt::DisplayRole, QByteArrayLiteral("display") } };
}

} // namespace AioUtils
