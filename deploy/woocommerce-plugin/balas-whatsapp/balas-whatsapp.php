<?php
/**
 * Plugin Name:       Balas WhatsApp
 * Description:       A WhatsApp chat button on the storefront that opens a conversation with the store's Balas assistant, a WhatsApp number and consent boxes at checkout, and the store's connection to Balas.
 * Version:           0.2.0
 * Requires at least: 5.8
 * Requires PHP:      7.4
 * Author:            Balas
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       balas-whatsapp
 * Domain Path:       /languages
 * WC tested up to:   9.4
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

define( 'BALAS_WHATSAPP_VERSION', '0.2.0' );
define( 'BALAS_WHATSAPP_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-balas-whatsapp-options.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-api.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-link.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-button.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-connect.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-settings-page.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-checkout.php';
require_once __DIR__ . '/includes/class-balas-whatsapp-consent-report.php';

/**
 * Wires the plugin's parts to WordPress once every plugin is loaded.
 */
function balas_whatsapp_boot() {
	$options = new Balas_WhatsApp_Options();
	$report  = new Balas_WhatsApp_Consent_Report( $options );
	// Loaded now, not on init: WooCommerce registers the block checkout's fields early in init.
	balas_whatsapp_load_translations();
	( new Balas_WhatsApp_Button( $options ) )->register();
	( new Balas_WhatsApp_Checkout( $report ) )->register();
	$report->register();
	if ( is_admin() ) {
		( new Balas_WhatsApp_Settings_Page( $options, new Balas_WhatsApp_Connect() ) )->register();
	}
}
add_action( 'plugins_loaded', 'balas_whatsapp_boot' );

/**
 * The plugin's own translations (languages/), which WordPress 6.1 does not load by itself.
 */
function balas_whatsapp_load_translations() {
	load_plugin_textdomain( 'balas-whatsapp', false, dirname( plugin_basename( BALAS_WHATSAPP_FILE ) ) . '/languages' );
}

/**
 * Tells WooCommerce the plugin works with its order tables (HPOS) and the block checkout:
 * it reads and writes orders only through WC_Order.
 */
function balas_whatsapp_declare_compatibility() {
	if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
		\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', BALAS_WHATSAPP_FILE, true );
		\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'cart_checkout_blocks', BALAS_WHATSAPP_FILE, true );
	}
}
add_action( 'before_woocommerce_init', 'balas_whatsapp_declare_compatibility' );
