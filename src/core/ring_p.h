// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_RING_P_H
#define AIOUTILS_RING_P_H

#include <algorithm>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace AioUtils {
namespace detail {

// A FIFO in one block that doubles as it fills: a Bag's buffers and an OrderedBag's window of
// places. A std::deque allocates a small chunk every few entries, interleaved with the tasks' own
// short-lived allocations, which in a long burst fragments the heap of the bag's thread until
// its malloc spends its time consolidating.
template<typename T> class Ring
{
public:
    bool empty() const noexcept { return m_size == 0; }
    std::size_t size() const noexcept { return m_size; }
    T &operator[](std::size_t i) noexcept { return m_items[(m_head + i) & (m_items.size() - 1)]; }
    const T &operator[](std::size_t i) const noexcept
    {
        return m_items[(m_head + i) & (m_items.size() - 1)];
    }
    T &front() noexcept { return (*this)[0]; }
    const T &front() const noexcept { return m_items[m_head]; }
    void emplace_back() { push_back(T()); }
    void push_back(T value)
    {
        if (m_size == m_items.size())
            grow();
        (*this)[m_size] = std::move(value);
        ++m_size;
    }
    void push_front(T value)
    {
        if (m_size == m_items.size())
            grow();
        m_head = (m_head + m_items.size() - 1) & (m_items.size() - 1);
        m_items[m_head] = std::move(value);
        ++m_size;
    }
    void pop_front()
    {
        m_items[m_head] = T();
        m_head = (m_head + 1) & (m_items.size() - 1);
        --m_size;
        // Memory follows what is held, not the largest burst so far.
        if (m_items.size() > 256 && m_size <= m_items.size() / 4)
            reallocate(m_items.size() / 2);
    }

    // Room for `count` items without growing again.
    void reserve(std::size_t count)
    {
        if (count <= m_items.size())
            return;
        std::size_t capacity = std::max<std::size_t>(16, m_items.size());
        while (capacity < count)
            capacity *= 2;
        reallocate(capacity);
    }
    // Removes `count` items from `first` on, moving the shorter side.
    void erase(std::size_t first, std::size_t count)
    {
        if (count == 0)
            return;
        if (first < m_size - first - count) {
            for (std::size_t i = first; i-- > 0;)
                (*this)[i + count] = std::move((*this)[i]);
            for (std::size_t i = 0; i < count; ++i)
                pop_front();
        } else {
            for (std::size_t i = first + count; i < m_size; ++i)
                (*this)[i - count] = std::move((*this)[i]);
            for (std::size_t i = m_size - count; i < m_size; ++i)
                (*this)[i] = T();
            m_size -= count;
        }
    }

private:
    void grow() { reallocate(std::max<std::size_t>(16, m_items.size() * 2)); }
    void reallocate(std::size_t capacity)
    {
        std::vector<T> items(capacity);
        for (std::size_t i = 0; i < m_size; ++i)
            items[i] = std::move((*this)[i]);
        m_items.swap(items);
        m_head = 0;
    }

    std::vector<T> m_items; // the size is a power of two
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_RING_P_H
