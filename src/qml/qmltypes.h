// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The QML types are the C++ classes themselves (QML_FOREIGN), so QML sees the C++ hierarchy: a
// Pool is a Group, an OrderedBag is a Bag, and `property Group g: somePool` holds. What QML adds
// (spawn() of JavaScript functions, put() and takeAll() of JavaScript values) lives in extension
// objects (QML_EXTENDED), which QML makes for each instance it creates. A group made in C++ and
// handed to QML is a Group (or Bag) there, with its properties, signals and cancel(), but QML
// makes no extension for it (Qt 6.4): spawn() and put() are for groups made in QML.

#ifndef AIOUTILS_QMLTYPES_H
#define AIOUTILS_QMLTYPES_H

#include "jstaskhost_p.h"

#include <AioUtils/bag.h>
#include <AioUtils/group.h>
#include <AioUtils/orderedbag.h>
#include <AioUtils/pool.h>

#include <QtCore/qobject.h>
#include <QtQml/qjsvalue.h>
#include <QtQml/qqml.h> // QML_FOREIGN needs QQmlPrivate

namespace AioUtils {

// spawn(fn) for every group: the JavaScript tasks of the group it extends (its parent).
class GroupExtension : public QObject
{
    Q_OBJECT

public:
    explicit GroupExtension(QObject *group);
    ~GroupExtension() override;

    Q_INVOKABLE void spawn(const QJSValue &fn);
    Q_INVOKABLE void spawn(const QString &key, const QJSValue &fn);
    Q_INVOKABLE void spawnOnce(const QString &key, const QJSValue &fn);
    Q_INVOKABLE void spawnLatest(const QString &key, const QJSValue &fn);
    // Group::failures() as their messages (what taskFailed carried), in order.
    Q_INVOKABLE QStringList failures() const;

private:
    JsTaskHost m_tasks;
};

// put(value) and takeAll() with JavaScript values, for Bag and OrderedBag.
class BagExtension : public GroupExtension
{
    Q_OBJECT

public:
    explicit BagExtension(QObject *bag);
    ~BagExtension() override;

    Q_INVOKABLE void put(const QJSValue &value);
    Q_INVOKABLE QVariantList takeAll();
    Q_INVOKABLE QJSValue nextResult();

private:
    AioUtils::Bag *const m_bag;
    QJSValue m_makeDeferred; // function () -> { promise, resolve, reject }
};

// The base is named in full: qmltyperegistrar (Qt 6.4) resolves it by that name.
struct QmlGroupType
{
    Q_GADGET
    QML_FOREIGN(AioUtils::Group)
    QML_NAMED_ELEMENT(Group)
    QML_EXTENDED(AioUtils::GroupExtension)
};

// C++'s Pool has no default constructor; QML's is a Pool of 4 until `size` is set.
class QmlPool : public AioUtils::Pool
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Pool)
    QML_EXTENDED(AioUtils::GroupExtension)

public:
    explicit QmlPool(QObject *parent = nullptr);
    ~QmlPool() override;
};

struct QmlBagType
{
    Q_GADGET
    QML_FOREIGN(AioUtils::Bag)
    QML_NAMED_ELEMENT(Bag)
    QML_EXTENDED(AioUtils::BagExtension)
};

struct QmlOrderedBagType
{
    Q_GADGET
    QML_FOREIGN(AioUtils::OrderedBag)
    QML_NAMED_ELEMENT(OrderedBag)
    QML_EXTENDED(AioUtils::BagExtension)
};

} // namespace AioUtils

#endif // AIOUTILS_QMLTYPES_H
