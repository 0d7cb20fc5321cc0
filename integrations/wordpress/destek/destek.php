<?php
/**
 * Plugin Name:       Destek Live Chat
 * Plugin URI:        https://github.com/destek/destek/tree/main/integrations/wordpress
 * Description:       The Destek support widget on every page, logged-in users identified with a server-side signature, WooCommerce cart and checkout events for proactive messages, and the customer's orders for the agents.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * Author:            Destek
 * License:           AGPL-3.0-or-later
 * License URI:       https://www.gnu.org/licenses/agpl-3.0.html
 * Text Domain:       destek
 * Domain Path:       /languages
 *
 * @package Destek
 */

defined( 'ABSPATH' ) || exit;

define( 'DESTEK_PLUGIN_FILE', __FILE__ );
define( 'DESTEK_PLUGIN_VERSION', '1.0.0' );

require_once __DIR__ . '/includes/class-destek-options.php';
require_once __DIR__ . '/includes/class-destek-settings.php';
require_once __DIR__ . '/includes/class-destek-frontend.php';
require_once __DIR__ . '/includes/class-destek-woocommerce.php';
require_once __DIR__ . '/includes/class-destek-context.php';

add_action(
	'init',
	static function () {
		load_plugin_textdomain( 'destek', false, dirname( plugin_basename( DESTEK_PLUGIN_FILE ) ) . '/languages' );
	}
);

Destek_Settings::register();
Destek_Frontend::register();
Destek_Context::register();
// WooCommerce loads after plugins in alphabetical order may: wait until every plugin is loaded.
add_action( 'plugins_loaded', array( 'Destek_WooCommerce', 'register' ) );
