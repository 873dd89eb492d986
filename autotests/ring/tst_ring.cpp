// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// detail::Ring, the FIFO in blocks behind a Bag's buffers, an OrderedBag's window and a task
// model's rows, against a std::deque doing the same operations.

#include "ring_p.h"

#include <QtCore/qrandom.h>
#include <QtCore/qvariant.h>
#include <QtTest/qtest.h>

#include <array>
#include <deque>

using AioUtils::detail::Ring;

namespace {

// Counts its live instances; `value` is what the deque compares. `Pad` bytes make blocks of
// fewer items.
template<std::size_t Pad> struct Item
{
    static inline int alive = 0;
    int value = -1;
    std::array<char, Pad> pad; // never read

    Item() { ++alive; }
    explicit Item(int v) : value(v) { ++alive; }
    Item(const Item &other) : value(other.value) { ++alive; }
    Item(Item &&other) noexcept : value(std::exchange(other.value, -2)) { ++alive; }
    Item &operator=(const Item &) = default;
    Item &operator=(Item &&other) noexcept
    {
        value = std::exchange(other.value, -2);
        return *this;
    }
    ~Item() { --alive; }
};

template<typename T> void compare(const Ring<T> &ring, const std::deque<int> &model)
{
    QCOMPARE(ring.size(), model.size());
    QCOMPARE(ring.empty(), model.empty());
    for (std::size_t i = 0; i < model.size(); ++i)
        QCOMPARE(ring[i].value, model[i]);
    if (!model.empty())
        QCOMPARE(ring.front().value, model.front());
}

// Random pushes at both ends, pops, erases from the middle and clears, checked after each step.
template<typename T> void randomOperations(quint32 seed)
{
    QRandomGenerator random(seed);
    const int before = T::alive;
    {
        Ring<T> ring;
        std::deque<int> model;
        int next = 0;
        for (int step = 0; step < 20000; ++step) {
            const int op = random.bounded(100);
            if (op < 45) {
                ring.push_back(T(next));
                model.push_back(next++);
            } else if (op < 50) {
                ring.push_front(T(next));
                model.push_front(next++);
            } else if (op < 90) {
                if (!model.empty()) {
                    ring.pop_front();
                    model.pop_front();
                }
            } else if (op < 97) {
                if (!model.empty()) {
                    const auto first = std::size_t(random.bounded(int(model.size())));
                    const auto count = std::size_t(random.bounded(int(model.size() - first) + 1));
                    ring.erase(first, count);
                    model.erase(model.begin() + qsizetype(first),
                                model.begin() + qsizetype(first + count));
                }
            } else if (op < 98) {
                ring.reserve(ring.size() + std::size_t(random.bounded(3000)));
            } else if (op < 99) {
                ring.clear();
                model.clear();
            } else {
                // A burst: several blocks at once, then most of it drained.
                for (int i = 0; i < 3000; ++i) {
                    ring.push_back(T(next));
                    model.push_back(next++);
                }
                while (model.size() > 10) {
                    ring.pop_front();
                    model.pop_front();
                }
            }
            // Every item now and then (that is quadratic), the ends always.
            if (step % 16 == 0) {
                compare(ring, model);
            } else {
                QCOMPARE(ring.size(), model.size());
                if (!model.empty()) {
                    QCOMPARE(ring.front().value, model.front());
                    QCOMPARE(ring[ring.size() - 1].value, model.back());
                }
            }
            if (QTest::currentTestFailed())
                return;
            // Only the items held are alive.
            QCOMPARE(T::alive - before, int(model.size()));
        }
    }
    QCOMPARE(T::alive, before);
}

} // namespace

class tst_Ring : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void blocksHoldAboutFourKilobytes();
    void randomOperations_data();
    void randomOperations();
    void pushFrontIntoEmpty();
    void swapAndMove();
    void qvariants();
};

void tst_Ring::blocksHoldAboutFourKilobytes()
{
    QCOMPARE(Ring<int>::BlockSize, std::size_t(1024));
    QCOMPARE(Ring<QVariant>::BlockSize, std::size_t(4096 / sizeof(QVariant)));
    QVERIFY(Ring<Item<60>>::BlockSize * sizeof(Item<60>) <= 4096);
    QVERIFY(Ring<Item<60>>::BlockSize * 2 * sizeof(Item<60>) > 4096);
    // Items bigger than a block's share: at least 8 a block.
    QCOMPARE(Ring<Item<500>>::BlockSize, std::size_t(8));
}

void tst_Ring::randomOperations_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 seed : { 1u, 2u, 3u, 42u })
        QTest::addRow("seed %u", seed) << seed;
}

void tst_Ring::randomOperations()
{
    QFETCH(quint32, seed);
    // Small items (many a block), and big ones (8 a block: every few steps cross a block's edge).
    ::randomOperations<Item<0>>(seed);
    if (QTest::currentTestFailed())
        return;
    ::randomOperations<Item<500>>(seed);
}

void tst_Ring::pushFrontIntoEmpty()
{
    using T = Item<500>;
    Ring<T> ring;
    std::deque<int> model;
    for (int i = 0; i < 50; ++i) {
        ring.push_front(T(i));
        model.push_front(i);
    }
    compare(ring, model);
    for (int i = 50; i < 70; ++i) {
        ring.push_back(T(i));
        model.push_back(i);
    }
    compare(ring, model);
    ring.erase(10, 40); // from the middle, the back side moved
    model.erase(model.begin() + 10, model.begin() + 50);
    compare(ring, model);
    while (!model.empty()) {
        ring.pop_front();
        model.pop_front();
        compare(ring, model);
    }
    QCOMPARE(T::alive, 0);
}

void tst_Ring::swapAndMove()
{
    using T = Item<0>;
    {
        Ring<T> a;
        Ring<T> b;
        std::deque<int> ma;
        for (int i = 0; i < 5000; ++i) {
            a.push_back(T(i));
            ma.push_back(i);
        }
        a.swap(b);
        compare(a, {});
        compare(b, ma);
        b.push_front(T(-7));
        ma.push_front(-7);
        compare(b, ma);
        a.push_back(T(1));
        QCOMPARE(a.front().value, 1);
        a.swap(b);
        compare(a, ma);
    }
    QCOMPARE(T::alive, 0);
}

void tst_Ring::qvariants()
{
    Ring<QVariant> ring;
    for (int i = 0; i < 100000; ++i)
        ring.push_back(QVariant(QString::number(i)));
    for (int i = 0; i < 99990; ++i) {
        QCOMPARE(ring.front().toString(), QString::number(i));
        ring.pop_front();
    }
    QCOMPARE(ring.size(), std::size_t(10));
    QCOMPARE(ring[9].toString(), QStringLiteral("99999"));
}

QTEST_APPLESS_MAIN(tst_Ring)
#include "tst_ring.moc"
