// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#ifndef AIOUTILS_YIELDING_H
#define AIOUTILS_YIELDING_H

#include <AioUtils/aioutils_core_export.h>

#include <QtCore/qpointer.h>
#include <QtCore/qvariant.h>

#include <cstddef>
#include <iterator>
#include <optional>

namespace AioUtils {

class Bag;

// An input range over a Bag's results: each step is Bag::next(). Leaving the loop before the end
// (break, an exception) cancels the bag's remaining tasks, as closing a Python generator does; a
// range that was never iterated cancels nothing.
//
//     for (const QVariant &result : bag.yielding())
//         ...
class AIOUTILS_CORE_EXPORT Yielding
{
public:
    struct Sentinel
    {
    };

    class iterator
    {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = QVariant;
        using difference_type = std::ptrdiff_t;
        using pointer = const QVariant *;
        using reference = const QVariant &;

        reference operator*() const { return *m_range->m_current; }
        pointer operator->() const { return &*m_range->m_current; }
        iterator &operator++()
        {
            m_range->advance();
            return *this;
        }
        void operator++(int) { m_range->advance(); }
        friend bool operator==(const iterator &it, Sentinel) { return it.atEnd(); }
        friend bool operator!=(const iterator &it, Sentinel) { return !it.atEnd(); }
        friend bool operator==(Sentinel s, const iterator &it) { return it == s; }
        friend bool operator!=(Sentinel s, const iterator &it) { return it != s; }

    private:
        friend class Yielding;
        explicit iterator(Yielding *range) : m_range(range) { }
        bool atEnd() const { return !m_range->m_current; }
        Yielding *m_range;
    };

    explicit Yielding(Bag *bag);
    Yielding(Yielding &&other) noexcept;
    Yielding &operator=(Yielding &&) = delete;
    Yielding(const Yielding &) = delete;
    Yielding &operator=(const Yielding &) = delete;
    ~Yielding();

    iterator begin();
    Sentinel end() const { return {}; }

private:
    void advance();

    QPointer<Bag> m_bag;
    std::optional<QVariant> m_current;
    bool m_started = false;
    bool m_done = false;
};

} // namespace AioUtils

#endif // AIOUTILS_YIELDING_H
