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

// A FIFO in fixed blocks of about 4 kB: a Bag's buffers, an OrderedBag's window of places and a
// task model's rows. Items are indexed through a small ring of block pointers, so growing never
// moves an item: a burst of a million results does not copy (and fault in) the whole buffer again
// each time it doubles, which a Ring in one block did under the group's lock, with the workers
// waiting. A std::deque's chunks (512 B) are small enough to fragment the heap of the bag's thread
// when they interleave with the tasks' own short-lived allocations; 4 kB blocks are not.
//
// Only the items held are constructed. Memory follows what is held: a block goes as soon as its
// last item is taken, and one spare is kept so that a ring that fills and drains around a block's
// edge does not allocate each time.
template<typename T> class Ring
{
    static_assert(std::is_nothrow_move_constructible_v<T>, "Ring moves its items");

    static constexpr std::size_t shiftFor(std::size_t itemSize)
    {
        std::size_t shift = 3; // at least 8 items a block
        while ((std::size_t(2) << shift) * itemSize <= 4096)
            ++shift;
        return shift;
    }

public:
    static constexpr std::size_t BlockShift = shiftFor(sizeof(T));
    static constexpr std::size_t BlockSize = std::size_t(1) << BlockShift;

    Ring() noexcept = default;
    Ring(const Ring &) = delete;
    Ring &operator=(const Ring &) = delete;
    ~Ring()
    {
        clear();
        release(m_spare);
        if (m_map)
            std::allocator<T *>().deallocate(m_map, m_mapCapacity);
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
        if (((m_head + m_size) >> BlockShift) == m_blocks)
            addBlockBack();
        ::new (static_cast<void *>(slot(m_size))) T(std::move(value));
        ++m_size;
    }
    void push_front(T value)
    {
        if (m_head == 0)
            addBlockFront();
        --m_head;
        ::new (static_cast<void *>(slot(0))) T(std::move(value));
        ++m_size;
    }
    void pop_front()
    {
        std::destroy_at(slot(0));
        ++m_head;
        --m_size;
        if (m_size == 0)
            releaseBlocks();
        else if (m_head == BlockSize)
            dropFrontBlock();
    }
    void clear() noexcept
    {
        for (std::size_t i = 0; i < m_size; ++i)
            std::destroy_at(slot(i));
        m_size = 0;
        releaseBlocks();
    }

    void swap(Ring &other) noexcept
    {
        std::swap(m_map, other.m_map);
        std::swap(m_mapCapacity, other.m_mapCapacity);
        std::swap(m_mapHead, other.m_mapHead);
        std::swap(m_blocks, other.m_blocks);
        std::swap(m_head, other.m_head);
        std::swap(m_size, other.m_size);
        std::swap(m_spare, other.m_spare);
    }

    // Room in the block index for `count` items: the blocks themselves come as they fill.
    void reserve(std::size_t count) { reserveMap(((m_head + count) >> BlockShift) + 1); }
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
            if (m_size == 0) {
                releaseBlocks();
                return;
            }
            // The blocks past the new end go.
            const std::size_t needed = (m_head + m_size + BlockSize - 1) >> BlockShift;
            while (m_blocks > needed) {
                --m_blocks;
                recycle(m_map[mapIndex(m_blocks)]);
            }
        }
    }

private:
    std::size_t mapIndex(std::size_t block) const noexcept
    {
        return (m_mapHead + block) & (m_mapCapacity - 1);
    }
    T *slot(std::size_t i) const noexcept
    {
        const std::size_t at = m_head + i;
        return m_map[mapIndex(at >> BlockShift)] + (at & (BlockSize - 1));
    }
    void reserveMap(std::size_t blocks)
    {
        if (blocks <= m_mapCapacity)
            return;
        std::size_t capacity = std::max<std::size_t>(8, m_mapCapacity);
        while (capacity < blocks)
            capacity *= 2;
        T **map = std::allocator<T *>().allocate(capacity);
        for (std::size_t b = 0; b < m_blocks; ++b)
            map[b] = m_map[mapIndex(b)];
        if (m_map)
            std::allocator<T *>().deallocate(m_map, m_mapCapacity);
        m_map = map;
        m_mapCapacity = capacity;
        m_mapHead = 0;
    }
    T *takeBlock()
    {
        if (m_spare)
            return std::exchange(m_spare, nullptr);
        return std::allocator<T>().allocate(BlockSize);
    }
    void recycle(T *block) noexcept
    {
        if (!m_spare)
            m_spare = block;
        else
            release(block);
    }
    static void release(T *block) noexcept
    {
        if (block)
            std::allocator<T>().deallocate(block, BlockSize);
    }
    void addBlockBack()
    {
        reserveMap(m_blocks + 1);
        T *block = takeBlock();
        m_map[mapIndex(m_blocks)] = block;
        ++m_blocks;
    }
    void addBlockFront()
    {
        reserveMap(m_blocks + 1);
        T *block = takeBlock();
        m_mapHead = (m_mapHead + m_mapCapacity - 1) & (m_mapCapacity - 1);
        m_map[m_mapHead] = block;
        ++m_blocks;
        m_head += BlockSize;
    }
    void dropFrontBlock() noexcept
    {
        recycle(m_map[m_mapHead]);
        m_mapHead = (m_mapHead + 1) & (m_mapCapacity - 1);
        --m_blocks;
        m_head -= BlockSize;
    }
    // Empty: every block goes (one is kept as the spare).
    void releaseBlocks() noexcept
    {
        for (std::size_t b = 0; b < m_blocks; ++b)
            recycle(m_map[mapIndex(b)]);
        m_blocks = 0;
        m_mapHead = 0;
        m_head = 0;
    }

    T **m_map = nullptr;           // the blocks in use, a ring from m_mapHead
    std::size_t m_mapCapacity = 0; // a power of two (or 0)
    std::size_t m_mapHead = 0;
    std::size_t m_blocks = 0;
    std::size_t m_head = 0; // the front item's place in the first block, below BlockSize
    std::size_t m_size = 0;
    T *m_spare = nullptr; // a free block, kept for the next one needed
};

} // namespace detail
} // namespace AioUtils

#endif // AIOUTILS_RING_P_H
