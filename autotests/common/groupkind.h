// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// One test over the four classes: GroupKind names one, makeGroup() makes it with a limit.

#ifndef AIOUTILS_GROUPKIND_H
#define AIOUTILS_GROUPKIND_H

#include <AioUtils/Bag>
#include <AioUtils/Group>
#include <AioUtils/OrderedBag>
#include <AioUtils/Pool>

#include <QtCore/qmetatype.h>

#include <memory>

namespace TestUtil {

enum class GroupKind { Group, Pool, Bag, OrderedBag };

// A group of that kind running at most `limit` tasks at once (a Pool needs a limit of 1 or more).
inline std::unique_ptr<AioUtils::Group> makeGroup(GroupKind kind, int limit)
{
    switch (kind) {
    case GroupKind::Group: {
        auto group = std::make_unique<AioUtils::Group>();
        group->setMaxConcurrency(limit);
        return group;
    }
    case GroupKind::Pool:
        return std::make_unique<AioUtils::Pool>(limit);
    case GroupKind::Bag:
        return std::make_unique<AioUtils::Bag>(limit);
    case GroupKind::OrderedBag:
        return std::make_unique<AioUtils::OrderedBag>(limit);
    }
    return nullptr;
}

} // namespace TestUtil

Q_DECLARE_METATYPE(TestUtil::GroupKind)

#endif // AIOUTILS_GROUPKIND_H
