// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.26;

/// @title Probe
/// @notice The smallest contract that exercises what the backend conformance suite checks: a storage
///         write, an indexed event, a custom error with arguments, a string reason, and views.
contract Probe {
    /// @notice `value` is above the `limit` the contract accepts.
    error TooLarge(uint256 value, uint256 limit);

    /// @notice `writer` stored `value`, labelled `tag`.
    event Stored(address indexed writer, uint256 indexed value, bytes32 tag);

    uint256 public constant LIMIT = 1000;

    uint256 private stored;

    /// @notice Store `value` and emit `Stored`.
    /// @dev Reverts with `TooLarge` above `LIMIT` and with the string reason "unlucky" for 13.
    function store(uint256 value, bytes32 tag) external {
        // A custom error with arguments: the suite checks that every backend returns its data.
        if (value > LIMIT) revert TooLarge(value, LIMIT);
        // A string reason: the other revert encoding a node can return.
        require(value != 13, "unlucky");
        stored = value;
        emit Stored(msg.sender, value, tag);
    }

    /// @notice The value stored last.
    function current() external view returns (uint256) {
        return stored;
    }

    /// @notice The caller as the EVM sees it (checks that `call` passes the sender).
    function whoami() external view returns (address) {
        return msg.sender;
    }
}
