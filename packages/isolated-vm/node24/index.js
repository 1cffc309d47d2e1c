'use strict';
// The isolated-vm this package pins, resolved from here (npm may nest it under this package).
module.exports = require('isolated-vm');
