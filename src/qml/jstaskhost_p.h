// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The QML types' spawn(fn): runs JavaScript functions as tasks of a group. Not API.

#ifndef AIOUTILS_JSTASKHOST_P_H
#define AIOUTILS_JSTASKHOST_P_H

#include <AioUtils/detail/jobs.h>
#include <AioUtils/key.h>

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

    // `key`: a keyed task (none when empty), spawned as `mode` says (spawnOnce(), ...).
    void spawn(const QJSValue &fn, const Key &key = Key(),
               detail::KeyMode mode = detail::KeyMode::Plain);

private:
    Group *const m_group;
    std::shared_ptr<JsTaskHostCore> m_core;
    bool m_followsEngine = false;
};

} // namespace AioUtils

#endif // AIOUTILS_JSTASKHOST_P_H
