// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// Not API: private to the AioUtils implementation, never installed.

#ifndef AIOUTILS_RING_P_H
#define AIOUTILS_RING_P_H

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace AioUtils {
namespace detail {

// A FIFO in one block that doubles as it fills: a Bag's buffers and an OrderedBag's window of
// places. A std::deque allocates a small chunk every few entries, interleaved with the tasks' own
// short-lived allocations, which in a long burst fragments the heap of the bag's thread until
// its malloc spends its time consolidating.
//
// Only the items held are constructed: a new block is raw memory, and growing or shrinking moves
// the items held into it, so a burst of a million results does not also construct (and write
// every page of) a million empty ones each time the block doubles.
template<typename T> class Ring
{
    static_assert(std::is_nothrow_move_constructible_v<T>, "Ring moves its items when it grows");

public:
    Ring() noexcept = default;
    Ring(const Ring &) = delete;
    Ring &operator=(const Ring &) = delete;
    ~Ring()
    {
        clear();
        release(m_items, m_capacity);
    }

    bool empty() const noexcept { return m_size == 0; }
    std::size_t size() const noexcept { return m_size; }
    T &operator[](std::size_t i) noexcept { return *slot(i); }
    const T &operator[](std::size_t i) const noexcept { return *slot(i); }
    T &front() noexcept { return *slot(0); }
    const T &front() const noexcept { return *slot(0); }
    void emplace_back() { push_back(T()); }
    void push_back(T value)
    {
        if (m_size == m_capacity)
            grow();
        ::new (static_cast<void *>(slot(m_size))) T(std::move(value));
        ++m_size;
    }
    void push_front(T value)
    {
        if (m_size == m_capacity)
            grow();
        m_head = (m_head + m_capacity - 1) & (m_capacity - 1);
        ::new (static_cast<void *>(m_items + m_head)) T(std::move(value));
        ++m_size;
    }
    void pop_front()
    {
        std::destroy_at(m_items + m_head);
        m_head = (m_head + 1) & (m_capacity - 1);
        --m_size;
        // Memory follows what is held, not the largest burst so far.
        if (m_capacity > 256 && m_size <= m_capacity / 4)
            reallocate(m_capacity / 2);
    }
    void clear() noexcept
    {
        for (std::size_t i = 0; i < m_size; ++i)
            std::destroy_at(slot(i));
        m_head = 0;
        m_size = 0;
    }

    void swap(Ring &other) noexcept
    {
        std::swap(m_items, other.m_items);
        std::swap(m_capacity, other.m_capacity);
        std::swap(m_head, other.m_head);
        std::swap(m_size, other.m_size);
    }

    // Room for `count` items without growing again.
    void reserve(std::size_t count)
    {
        if (count <= m_capacity)
            return;
        std::size_t capacity = std::max<std::size_t>(16, m_capacity);
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
                std::destroy_at(slot(i));
            m_size -= count;
        }
    }

private:
    T *slot(std::size_t i) const noexcept { return m_items + ((m_head + i) & (m_capacity - 1)); }
    void grow() { reallocate(std::max<std::size_t>(16, m_capacity * 2)); }
    void reallocate(std::size_t capacity)
    {
        T *items = std::allocator<T>().allocate(capacity);
        for (std::size_t i = 0; i < m_size; ++i) {
            T *from = slot(i);
            ::new (static_cast<void *>(items + i)) T(std::move(*from));
            std::destroy_at(from);
        }
        release(m_items, m_capacity);
        m_items = items;
        m_capacity = capacity;
        m_head = 0;
    }
    static void release(T *items, std::size_t capacity) noexcept
    {
        if (items)
            std::allocator<T>().deallocate(items, capacity);
    }

    T *m_items = nullptr;
    std::size_t m_capacity = 0; // a power of two (or 0)
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_RING_P_H
