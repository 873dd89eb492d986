// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_KEY_H
#define AIOUTILS_KEY_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qhashfunctions.h>
#include <QtCore/qstring.h>

#include <functional>

QT_BEGIN_NAMESPACE
class QUrl;
QT_END_NAMESPACE

namespace AioUtils {

class AIOUTILS_CORE_EXPORT Key
{
public:
    Key() noexcept = default;
    explicit Key(QString name) noexcept : m_name(std::move(name)) { }
    static Key host(const QUrl &url);

    QString toString() const { return m_name; }
    bool isEmpty() const noexcept { return m_name.isEmpty(); }

private:
    QString m_name;
};

inline bool operator==(const Key &a, const Key &b) noexcept
{
    return a.toString() == b.toString();
}
inline bool operator!=(const Key &a, const Key &b) noexcept
{
    return !(a == b);
}
inline bool operator<(const Key &a, const Key &b) noexcept
{
    return a.toString() < b.toString();
}
inline size_t qHash(const Key &key, size_t seed = 0) noexcept
{
    return qHash(key.toString(), seed);
}

} // namespace AioUtils

template<> struct std::hash<AioUtils::Key>
{
    size_t operator()(const AioUtils::Key &key) const noexcept { return qHash(key); }
};

#endif // AIOUTILS_KEY_H
