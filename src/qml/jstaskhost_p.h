// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The QML types' spawn(fn): runs JavaScript functions as tasks of a group. Not API.

#ifndef AIOUTILS_JSTASKHOST_P_H
#define AIOUTILS_JSTASKHOST_P_H

#include <QtCore/qobject.h>
#include <QtQml/qjsvalue.h>

#include <memory>

namespace AioUtils {

class Group;
class JsTaskHostCore;

// One per QML group object, a member of it. Destroyed with the group, it cancels what its
// functions started (an Http.get() request is aborted) and makes every late settlement of their
// promises a no-op.
class JsTaskHost
{
public:
    explicit JsTaskHost(Group *group);
    ~JsTaskHost();
    JsTaskHost(const JsTaskHost &) = delete;
    JsTaskHost &operator=(const JsTaskHost &) = delete;

    void spawn(const QJSValue &fn);

private:
    Group *const m_group;
    std::shared_ptr<JsTaskHostCore> m_core;
    bool m_followsEngine = false;
};

} // namespace AioUtils

#endif // AIOUTILS_JSTASKHOST_P_H
